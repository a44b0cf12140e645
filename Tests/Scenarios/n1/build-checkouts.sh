#!/bin/bash
# N1: builds /opt/calb/{prod,test}/CALB_SIZINGTOOL. Run by populate.sh INSIDE the sandbox,
# as user calb with umask 002 (directories 0775, files 0664, as on N1):
#   build-checkouts.sh SRC_DIR
# SRC_DIR holds a readable copy of n1/repo/ plus fake_streamlit.py.
# Identity and dates are fixed, so the commit hashes are the same on every run.
set -euo pipefail

src=${1:?usage: build-checkouts.sh SRC_DIR}
[[ "$(id -un)" == calb ]] || { echo "build-checkouts.sh: must run as calb" >&2; exit 1; }
umask 002
cd /home/calb

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="CALB Dev" GIT_AUTHOR_EMAIL="dev@calb-ess.example"
export GIT_COMMITTER_NAME="CALB Dev" GIT_COMMITTER_EMAIL="dev@calb-ess.example"

prod=/opt/calb/prod/CALB_SIZINGTOOL
test_=/opt/calb/test/CALB_SIZINGTOOL
origin_url=https://github.com/calb-ess/CALB_SIZINGTOOL.git
branch=refactor/streamlit-structure-v1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

at() { # DATE CMD...: run CMD with author/committer/tagger date DATE
    GIT_AUTHOR_DATE=$1 GIT_COMMITTER_DATE=$1 "${@:2}"
}
put() { # SRC DEST (relative to the prod checkout)
    mkdir -p "$(dirname "$prod/$2")"
    install -m 0664 "$1" "$prod/$2"
}
commit() { # DATE MESSAGE
    git -C "$prod" add -A
    at "$1" git -C "$prod" commit -q -m "$2"
}

git init -q -b main "$prod"
git -C "$prod" config user.name "CALB Dev"
git -C "$prod" config user.email "dev@calb-ess.example"

# v20251220-1: the single-file app that was released.
cat >"$work/app_v1.py" <<'EOF'
"""CALB SizingTool - single-file Streamlit app (release 2025-12-20)."""

import streamlit as st

st.set_page_config(page_title="CALB SizingTool", layout="wide")
st.title("CALB ESS Sizing Tool")
power = st.number_input("POI power (MW)", value=100.0)
energy = st.number_input("POI energy (MWh)", value=400.0)
st.metric("Duration (h)", f"{energy / power if power else 0:.1f}")
EOF
cat >"$work/requirements.txt" <<'EOF'
streamlit==1.41.1
pandas==2.2.3
openpyxl==3.1.5
EOF
cat >"$work/README.md" <<'EOF'
# CALB SizingTool

Streamlit app that sizes CALB battery energy storage systems (DC blocks, PCS, POI).

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python -m streamlit run app.py --server.port 8511
EOF
printf '.venv/\n__pycache__/\n*.pyc\n.streamlit/secrets.toml\n' >"$work/gitignore"
put "$work/app_v1.py" app.py
put "$work/requirements.txt" requirements.txt
put "$work/README.md" README.md
put "$work/gitignore" .gitignore
commit "2025-12-20T10:12:00+08:00" "Initial import of CALB SizingTool"
at "2025-12-20T10:30:00+08:00" git -C "$prod" tag -a v20251220-1 -m "release 2025-12-20"

# The refactor branch, two commits past the tag: what N1 runs.
git -C "$prod" checkout -q -b "$branch"
put "$src/app.py" app.py
put "$src/calb_sizing/__init__.py" calb_sizing/__init__.py
put "$src/calb_sizing/ui/__init__.py" calb_sizing/ui/__init__.py
put "$src/calb_sizing/ui/results.py" calb_sizing/ui/results.py
commit "2025-12-23T16:40:00+08:00" "refactor: split app into calb_sizing.ui modules"
put "$src/calb_sizing/ui/diagram_inputs.py" calb_sizing/ui/diagram_inputs.py
cat "$work/README.md" - >"$work/README2.md" <<'EOF'

## Layout

- `app.py` - entry point (tabs: diagram inputs, results)
- `calb_sizing/ui/diagram_inputs.py` - DC block table (`st.data_editor`)
- `calb_sizing/ui/results.py` - totals
EOF
put "$work/README2.md" README.md
commit "2025-12-26T21:05:00+08:00" "refactor: DC blocks table in diagram_inputs"

# Both checkouts track origin (GitHub, never contacted) and sit on the same commit.
head=$(git -C "$prod" rev-parse HEAD)
main=$(git -C "$prod" rev-parse main)
git -C "$prod" remote add origin "$origin_url"
git -C "$prod" update-ref refs/remotes/origin/main "$main"
git -C "$prod" update-ref "refs/remotes/origin/$branch" "$head"
git -C "$prod" symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main
git -C "$prod" branch -q --set-upstream-to="origin/$branch"
git clone -q --no-hardlinks --branch "$branch" "$prod" "$test_"
git -C "$test_" remote set-url origin "$origin_url"
git -C "$test_" config user.name "CALB Dev"
git -C "$test_" config user.email "dev@calb-ess.example"
git -C "$test_" update-ref refs/remotes/origin/main "$main"
git -C "$test_" symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main
[[ "$(git -C "$test_" rev-parse HEAD)" == "$head" ]] || { echo "test and prod differ" >&2; exit 1; }

# Local drift in both: a modified requirements.txt and untracked files.
sed -e 's/^streamlit==1.41.1$/streamlit==1.52.2/' "$work/requirements.txt" >"$work/requirements2.txt"
printf 'plotly==5.24.1\n' >>"$work/requirements2.txt"
cat >"$work/notes.md" <<'EOF'
# N1 notes

- prod and test both run from the refactor branch for now; tag before the next release.
- ngrok: config still has `region:`; see runbook section 12.
EOF
cat >"$work/run_local.sh" <<'EOF'
#!/bin/sh
exec .venv/bin/python -m streamlit run app.py --server.port "${PORT:-8512}"
EOF
for repo in "$prod" "$test_"; do
    install -m 0664 "$work/requirements2.txt" "$repo/requirements.txt"
    mkdir -p "$repo/docs"
    install -m 0664 "$work/notes.md" "$repo/docs/notes.md"
    install -m 0775 "$work/run_local.sh" "$repo/run_local.sh"
done

# The venvs (system python, no pip), with the Streamlit stand-in as the `streamlit` package.
pyver=$(/usr/bin/python3 -c 'import sys; print("python%d.%d" % sys.version_info[:2])')
printf 'Metadata-Version: 2.1\nName: streamlit\nVersion: 1.41.1\nSummary: sandbox stand-in\n' >"$work/METADATA"
for repo in "$prod" "$test_"; do
    /usr/bin/python3 -m venv --without-pip "$repo/.venv"
    site=$repo/.venv/lib/$pyver/site-packages
    mkdir -p "$site/streamlit" "$site/streamlit-1.41.1.dist-info"
    : >"$site/streamlit/__init__.py"
    install -m 0664 "$src/fake_streamlit.py" "$site/streamlit/__main__.py"
    install -m 0664 "$work/METADATA" "$site/streamlit-1.41.1.dist-info/METADATA"
    printf '#!%s\nimport runpy\nrunpy.run_module("streamlit", run_name="__main__")\n' "$repo/.venv/bin/python" >"$repo/.venv/bin/streamlit"
    chmod 0775 "$repo/.venv/bin/streamlit"
done
echo "$head"
