"""The Draw page's pieces: the drawing pad and what every run makes of a drawing (views), and a
walk between two drawings' codes (walk). Uses ui.runs, ui.kit and core."""
