"""Users' own image sets: reading an upload (reading), its archives (archives), its pictures
(images) and the refusals it can meet (refusals), each within its limits, in memory, never
unpickled. Uses only core's root modules (data, messages, settings)."""
