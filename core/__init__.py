"""The autoencoder explorer's engine: data, models, training, analysis, run files.

Never imports streamlit or ui, so everything here works from the CLI, a notebook or a test.
Packages by concern, in layers; each imports only from the layers below it (pyproject.toml's
import-linter contract says so, and CI checks it), top to bottom:

    __main__     the command line
    classroom/   classes, members, challenges, the board's publisher
    teaching/    lessons, reproduce, zoo  |  takehome/  a run's script and report
    jobs/        spec + Job protocol, queue, turns, admission, shared trainings, local jobs,
                 backends; ray/ (the optional Ray backend)
    training/    the one training loop and what a run draws from its data
    runs/        run folders (store), leases, quotas, identity  |  science/  analysis
    models/      one contract, one file per variant  |  uploads/  users' own files
    (root)       data/ (datasets), devices, params, progress; messages, settings, files,
                 numbers, assets (the bottom)"""

__version__ = "0.1.0"
