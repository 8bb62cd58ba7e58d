"""The one training loop (loop: TrainConfig, train, execute, evaluate), read top to bottom, and
what a run draws from its data (splits: validation, preview, mean); its live reports
(live_reports) and its live map of codes (live_map). Uses core.models, core.science and core's
root modules; knows nothing of jobs, threads or the app."""
