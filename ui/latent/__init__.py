"""The Latent space page's hands-on parts: reading a selection on the map (picking), asking
about one digit (its neighbours in code and pixel space, what the decoder makes of an empty
place: ask), and arithmetic with codes (a direction between two groups, analogies, and how far
the moved codes fall off the data: arithmetic). Uses ui.runs, ui.kit and core."""
