"""The lessons in a session: their runs and verdicts (lesson_runs), what each shows as its
proof (proofs) and the papers' numbers beside this server's (reproduce); what each code unit
learned, for the Sparsity page (units), and what a generative code uses, for the Generate page
(generation). Uses ui.runs, ui.kit and core."""
