"""What frames every page: the shared sidebar (sidebar), share links (links) and the server's
start-up (startup). Uses ui.runs, ui's root and core; the feature folders use it."""
