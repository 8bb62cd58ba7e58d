"""What frames every page: the shared sidebar (sidebar), share links and where the app is
served (links: the reachable address, a Space's host, the own-tab link) and the server's
start-up (startup). Uses ui.runs, ui's root and core; the feature folders use it."""
