"""The Class page's parts: the board (board), the run on the projector (spotlight), the
leaderboard and the challenge (leaderboard), the teacher's controls (controls), handing them to
another device (handover), the class's report (report_download), the class's drawings as the
teacher sees them (drawings), joining, starting, and the
session's seat in a class (views: restore_teacher, restore_member). Uses ui.frame, ui.runs,
ui.kit and core."""
