"""Runs on disk and who owns them: run folders of safetensors + JSON (store, the one owner of
the run record), live checkpoints' leases seen by every app process (leases), saved runs per
owner (quotas, and whether the disk lasts), a browser's owner id (identity) and what one client
address may do per hour (address_limits). Uses core.models and core's root modules."""
