"""The Draw page's pieces: the drawing pad and what every run makes of a drawing (views), and a
walk between two drawings' codes (walk), and a student adding a drawing to their class's
drawings (class_drawings). Uses ui.runs, ui.kit and core."""
