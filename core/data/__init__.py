"""Datasets: one `Dataset` form for every source (bundled digits, IDX folders, downloads,
uploads). What a dataset is and which ones the app knows (registry), where their files are
looked for (folders), reading the official IDX files (idx), fetching them (downloads) and
loading a dataset by name (loading). Uses only core's root modules (settings, files, assets)."""
