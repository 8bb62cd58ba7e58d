"""What a trained model has learned, as numbers: errors, codes, sparsity, noise curves,
Jacobians (analysis), the VAE's likelihood, how well a 2-D map separates the digits
(separation), the digit classifier, a model's layers as data (architecture), 2-D projections
(projection, and embedding: UMAP / t-SNE in a worker process that imports no torch), a
drawn digit made like MNIST (drawing), and arithmetic in a code space: nearest neighbours,
attribute vectors, analogies, paths, distance off the data (latent_ops).
Uses core.models and core's root modules only."""
