#!/bin/sh
# Assembles a folder ready to push to a Hugging Face Docker Space (docs/hosting.md):
#   deploy/space/make-space.sh DEST
# A Space's repository needs its README.md (the front matter: sdk, app_port, ...) and its
# Dockerfile at its root. DEST gets deploy/space/README.md and deploy/space/Dockerfile there,
# beside the app's files at the paths the Dockerfile copies them from (the same COPY lines
# build from the repository root and from DEST), and a .gitattributes sending the binary files
# (MNIST's .gz, the zoo's .safetensors) to the Hub's large-file storage, since the Hub refuses
# binary files pushed as plain git objects. Only files git tracks are copied (as they are in
# the working tree): no tests, benchmarks, docs, runs or caches.
#
# DEST: a new or empty folder, or a clone of the Space (everything in it but .git is replaced).
set -eu

usage="usage: $0 DEST (a new or empty folder, or a clone of the Space)"
[ $# -eq 1 ] || { echo "$usage" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
git -C "$root" rev-parse --show-toplevel >/dev/null 2>&1 ||
    { echo "$0: $root is not a git checkout (the files copied are the ones git tracks)" >&2; exit 1; }

parent="$(cd "$(dirname "$1")" 2>/dev/null && pwd)" ||
    { echo "$0: the folder that would hold $1 does not exist" >&2; exit 1; }
dest="$parent/$(basename "$1")"
case "$dest/" in
    "$root/"*) echo "$0: DEST must be outside the repository ($root)" >&2; exit 1 ;;
esac
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"  # a link resolved
case "$dest/" in
    "$root/"*) echo "$0: DEST must be outside the repository ($root)" >&2; exit 1 ;;
esac
if [ -e "$dest/.git" ]; then  # a clone of the Space: its history stays, its files are replaced
    find "$dest" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
elif [ -n "$(ls -A "$dest")" ]; then
    echo "$0: $dest is neither empty nor a git clone; nothing was changed (remove it, or name" \
         "another folder). $usage" >&2
    exit 1
fi

# What the image holds: the sources of the Dockerfile's COPY lines (one place says it).
sources="$(sed -n 's/^COPY \(.*\) [^ ]*$/\1/p' "$here/Dockerfile" | tr '\n' ' ')"
# shellcheck disable=SC2086  # the sources are separate words
(cd "$root" && git ls-files -z -- $sources | tar --null -T - -cf -) | (cd "$dest" && tar -xf -)
for source in $sources; do
    [ -e "$dest/$source" ] || { echo "$0: $source is not tracked by git" >&2; exit 1; }
done

cp "$here/README.md" "$dest/README.md"
cp "$here/Dockerfile" "$dest/Dockerfile"
cat > "$dest/.gitattributes" <<'ATTRIBUTES'
# The Hub stores binary files in its large-file storage (git lfs or git-xet push them there)
*.gz filter=lfs diff=lfs merge=lfs -text
*.safetensors filter=lfs diff=lfs merge=lfs -text
ATTRIBUTES

echo "$dest: ready for a Docker Space ($(find "$dest" -type f ! -path "$dest/.git/*" | wc -l |
    tr -d ' ') files). Push it (docs/hosting.md):"
echo "  hf upload OWNER/NAME $dest . --repo-type space"
echo "or, in a clone of the Space with git-lfs (or git-xet) installed:"
echo "  git add -A && git commit -m 'autoencoder explorer' && git push"
