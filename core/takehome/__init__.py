"""A run taken home: its training script and notebook, generated from the parts in parts/
(export), and its self-contained HTML report (report). Uses core.training, core.science and
the layers below."""
