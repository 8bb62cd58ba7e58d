"""The Class page's parts: the board, the leaderboard and the spotlight (board), joining,
starting and the teacher's controls (views). Uses ui.frame, ui.runs, ui.kit and core."""
