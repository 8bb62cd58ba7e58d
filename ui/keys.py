"""Names of the session-state entries that one module writes and another reads. A widget key
used by one page alone stays a literal on that page; anything that crosses modules is named
here, so a reader can find every writer and reader of an entry with one search."""

LANGUAGE = "lang"  # "en" or "pt": the language picker's value, also read by ui.i18n
DATASET_NAME = "dataset_name"  # the dataset picker's value
UPLOAD_DATASET = "upload_dataset"  # a Dataset read from the user's upload, or None
UPLOAD_ERROR = "upload_error"  # why the last upload was refused: {"key", "text", "fields"}
ACTIVE_RUN = "active_run"  # the run picker's value: a session run's id or a ui.runs.ids id
PENDING_ACTIVE_RUN = "pending_active_run"  # a run to select at the picker's next drawing
SHOWN_STATUS = "shown_status"  # {run id: status} the picker's caption showed this script run
RUNS = "runs"  # {run id: ui.runs.session.Run}: the session's own runs
OWNER = "owner"  # who this browser is, for saved runs and quotas
TRAIN_NOTICES = "train_notices"  # texts the training page shows once, after a rerun
LESSON_JOBS = "lesson_jobs"  # {lesson id: {role: run id}}: runs a lesson started
DRAWING = "draw.strokes"  # the Draw page's last strokes, also used on the Latent space page
CLASS_TEACHER = "class_teacher"  # a class this session teaches: {"code", "key"}
CLASS_MEMBER = "class_member"  # a class this session joined: {"code", "nickname"}
LESSON = "lesson"  # the Lessons page's chosen lesson id, also set from a link
TRAIN_VARIANT = "train_variant"  # the Train page's variant, also set from Home and from a link
PRESENTER = "presenter"  # presenter mode: larger type, previous/next lessons
