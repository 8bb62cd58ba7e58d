"""The lessons in a session: their runs and verdicts (lesson_runs), what each shows as its
proof (proofs) and the papers' numbers beside this server's (reproduce). Uses ui.runs, ui.kit
and core."""
