"""Taking a run home: its script, notebook, report and image rows (downloads), and runs side by
side (overlay). Uses ui.frame, ui.runs, ui.kit and core."""
