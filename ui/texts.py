"""Plain-language explanations shown in the app."""

VARIANTS = {
    "standard": ("Squeezes each image through one small hidden layer (the code) and learns to "
                 "rebuild it. The simplest autoencoder: close to PCA, but non-linear.",
                 "A first look; a baseline for the others."),
    "multilayer": ("Adds a hidden layer on each side of the code, so encoder and decoder can "
                   "bend and fold the data before squeezing it.",
                   "Better reconstructions from the same code size."),
    "convolutional": ("Looks at small patches with shared filters instead of every pixel "
                      "separately, as the eye does, then rebuilds with transposed convolutions.",
                      "Images: fewer weights, sharper results."),
    "sparse": ("Pays a price (an L1 penalty) for every active code unit, so each image is "
               "described by a few units out of many.",
               "Interpretable features; see the Sparsity page."),
    "denoising": ("Sees damaged images (noise, missing pixels) and must rebuild the clean "
                  "originals, so it learns what digits look like, not just how to copy.",
                  "Robust features; cleaning up noisy inputs."),
    "contractive": ("Penalises how much the code changes when the input changes a little (the "
                    "Jacobian's size), so codes ignore small irrelevant wiggles.",
                    "Stable codes; compare Jacobian norms on the Compare page."),
    "deep": ("Hinton & Salakhutdinov (2006): first trains a stack of RBMs one layer at a time "
             "(contrastive divergence), then unrolls them into a deep autoencoder and fine-tunes.",
             "Seeing why pretraining made deep nets trainable; compare with pretraining off."),
    "vae": ("Encodes each image as a cloud (a Gaussian), not a point, and keeps the clouds near "
            "a standard normal; so any point you pick from that normal decodes to a plausible "
            "image.", "Generating new images; smooth latent spaces (see Generate)."),
}

AUTOENCODER = ("An **autoencoder** is a neural network trained to copy its input to its output "
               "through a narrow middle layer, the **code**. To succeed it must learn what "
               "matters in the images: the encoder compresses, the decoder rebuilds. "
               "The eight kinds below differ in what extra pressure they put on the code.")


def variant_text(name: str) -> tuple[str, str]:
    """(what it does, when to use it) for a registered variant; a variant added without texts
    falls back to its class's own docstring rather than breaking Home and Train."""
    if name in VARIANTS:
        return VARIANTS[name]
    from core.models import MODELS

    doc = (MODELS[name].__doc__ or MODELS[name].title).strip().splitlines()[0]
    return doc, ""
