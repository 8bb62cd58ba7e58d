"""Building blocks every page draws with: Plotly figures, image rows, widgets built from core's
hyperparameter metadata, and the architecture diagrams. Uses ui's root (i18n) and core only."""
