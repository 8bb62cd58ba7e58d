"""What the app teaches with: the chapter's claims as pure functions, runs in and verdicts
out (lessons), the papers' published figures beside this server's (reproduce) and the
pretrained zoo (zoo). Uses core.training, core.runs, core.science and the layers below."""
