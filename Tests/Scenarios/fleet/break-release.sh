#!/bin/bash
# break-release.sh TAG...: runs INSIDE a fleet host as root. Moves each TAG of the host's origin
# (/srv/git/hello.git) to a commit whose health file says "down" (no "ok" in it), so that a deploy of it there fails its health
# gate while the same tag deploys fine on the other hosts (FleetSandboxTests' rolling deploys).
set -euo pipefail
grep -qx 'container=steward-sandbox' < <(tr '\0' '\n' </proc/1/environ) || { echo "not in a sandbox" >&2; exit 1; }
as_hello() { setpriv --reuid=hello --regid=hello --init-groups -- env HOME=/srv/hello GIT_CONFIG_NOSYSTEM=1 \
    GIT_AUTHOR_NAME="Hello Dev" GIT_AUTHOR_EMAIL=dev@hello.example GIT_COMMITTER_NAME="Hello Dev" \
    GIT_COMMITTER_EMAIL=dev@hello.example "$@"; }
work=$(as_hello mktemp -d /tmp/break.XXXXXX)
as_hello git clone -q /srv/git/hello.git "$work/c"
for tag in "$@"; do
    as_hello git -C "$work/c" checkout -q "$tag"
    as_hello sh -c "echo down >'$work/c/public/health.txt'"
    as_hello git -C "$work/c" commit -q -am "$tag, broken on this host"
    as_hello git -C "$work/c" tag -f -a "$tag" -m "release $tag (broken here)" >/dev/null
    as_hello git -C "$work/c" push -q -f origin "refs/tags/$tag"
done
rm -rf "$work"
# The checkout's own copies of the tags follow, as after any fetch there.
as_hello git -C /srv/hello/prod fetch -q --force --tags origin
