#!/bin/sh
# The Space's entrypoint (deploy/space/Dockerfile; docs/hosting.md): picks where runs, classes
# and downloads live, names the address join links use, then runs the command it is given
# (the Dockerfile's CMD: `streamlit run app.py ...`).
#
#   - AE_RUNS_DIR / AE_CACHE_DIR set (the Space's variables): used as they are.
#   - Persistent storage attached (a writable $AE_PERSISTENT_DIR, by default /data: where a
#     Space's storage bucket is mounted): runs and classes in /data/runs, downloads in
#     /data/cache; they outlive restarts (docs/hosting.md says what a bucket mount lacks).
#   - Otherwise the container's own disk: $HOME/runs and $HOME/.cache/autoencoder-explorer,
#     lost at every restart (a Space's disk is ephemeral).
#   - SPACE_HOST (set by Hugging Face: OWNER-NAME.hf.space): join links and QR codes use
#     https://$SPACE_HOST, the app's own address outside the Space page's iframe, unless
#     AE_PUBLIC_URL is set (http:// for localhost and 127.x, where a local `docker run` serves).
set -eu

persistent="${AE_PERSISTENT_DIR:-/data}"
if [ -d "$persistent" ] && [ -w "$persistent" ]; then
    base="$persistent"
    found="persistent storage in $persistent"
elif [ -d "$persistent" ]; then
    base="$HOME"
    found="$persistent is there but uid $(id -u) cannot write it: $HOME, lost at every restart"
else
    base="$HOME"
    found="no persistent storage: $HOME is lost at every restart"
fi
if [ -z "${AE_RUNS_DIR:-}" ]; then
    AE_RUNS_DIR="$base/runs"
fi
if [ -z "${AE_CACHE_DIR:-}" ]; then
    if [ "$base" = "$HOME" ]; then
        AE_CACHE_DIR="$HOME/.cache/autoencoder-explorer"
    else
        AE_CACHE_DIR="$base/cache"
    fi
fi
mkdir -p "$AE_RUNS_DIR" "$AE_CACHE_DIR"
export AE_RUNS_DIR AE_CACHE_DIR

if [ -z "${AE_PUBLIC_URL:-}" ] && [ -n "${SPACE_HOST:-}" ]; then
    case "$SPACE_HOST" in
        localhost | localhost:* | 127.* | "[::1]"*) scheme=http ;;
        *) scheme=https ;;
    esac
    AE_PUBLIC_URL="$scheme://$SPACE_HOST"
    export AE_PUBLIC_URL
fi

links="${AE_PUBLIC_URL:-the address of the page itself}"
echo "entrypoint: runs and classes in $AE_RUNS_DIR, downloads in $AE_CACHE_DIR ($found);" \
     "join links name $links"
exec "$@"
