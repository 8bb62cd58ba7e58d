"""The Draw page's pieces: the drawing pad and what every run makes of a drawing (views). Uses
ui.runs, ui.kit and core."""
