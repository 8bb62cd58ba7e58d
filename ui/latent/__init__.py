"""The Latent space page's hands-on parts: reading a selection on the map (picking), asking
about one digit (its neighbours in code and pixel space, what the decoder makes of an empty
place: ask), and arithmetic with codes (a direction between two groups, analogies, and how far
the moved codes fall off the data: arithmetic), and the class's drawings on the map
(class_drawings). Uses ui.runs, ui.kit and core."""
