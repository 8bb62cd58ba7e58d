"""The session's runs: what a run is and who the session is (session: its owner, client address
and browser), the active run and starting one (active), saved and example runs (library), run
ids (ids), the session's dataset (datasets), the run a page is about with its cached analyses
(page_run), the live view and the list of runs with saving and deleting (live), step by step
(stepping) and the digit classifier as a reader (digit_reader). Of classes, only which one the
session is in and its drawings as a data set (class_data): a run a student starts reaches
their class's board through core.classroom.publisher.
Uses ui.kit, ui's root and core."""
