"""The autoencoder explorer's engine: data, models, training, analysis, run files.

Never imports streamlit, so everything here works from the CLI, a notebook or a test."""

__version__ = "0.1.0"
