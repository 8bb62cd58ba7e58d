"""Runs on disk and who owns them: run folders of safetensors + JSON (store, the one owner of
the run record), live checkpoints' leases seen by every app process (leases), saved runs per
owner (quotas) and a browser's owner id (identity). Uses core.models and core's root modules."""
