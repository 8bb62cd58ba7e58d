"""The session's runs: what a run is and who the session is (session: its owner, client address
and browser), the active run and starting one (active), saved and example runs (library), run
ids (ids), the session's dataset (datasets), the run a page is about with its cached analyses
(subject), the live view (live), step by step (stepping) and the digit classifier as a reader
(reader). Uses ui.kit, ui's root and core."""
