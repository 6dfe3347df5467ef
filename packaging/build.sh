#!/usr/bin/env bash
# Build the one-folder Shoal bundle from a checkout:  bash packaging/build.sh
#
#   1. makes a fresh virtual environment (outside the repo; default $TMPDIR/shoal-build-venv)
#   2. pip installs the project (not editable) + PyInstaller into it
#   3. runs packaging/shoal.spec  ->  $SHOAL_DIST/shoal/shoal   (default dist/shoal/shoal, git-ignored)
#
# Environment knobs:
#   SHOAL_BUILD_VENV   venv folder            (default ${TMPDIR:-/tmp}/shoal-build-venv)
#   SHOAL_DIST         PyInstaller --distpath (default <repo>/dist)
#   SHOAL_WORK         PyInstaller --workpath (default ${TMPDIR:-/tmp}/shoal-build-work)
#   SHOAL_REUSE_VENV=1 keep an existing venv instead of recreating it (faster rebuilds)
#   PYTHON             interpreter for the venv (default python3; needs 3.11+)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="${TMPDIR:-/tmp}"
VENV="${SHOAL_BUILD_VENV:-$TMP/shoal-build-venv}"
DIST="${SHOAL_DIST:-$REPO/dist}"
WORK="${SHOAL_WORK:-$TMP/shoal-build-work}"
PY="${PYTHON:-python3}"
PYINSTALLER_SPEC="${PYINSTALLER_SPEC:-pyinstaller>=6.10,<7}"

t0=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - t0 ))"; }

"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "shoal needs Python 3.11+ to build")'

if [[ "${SHOAL_REUSE_VENV:-0}" != 1 || ! -x "$VENV/bin/python" ]]; then
    step "fresh venv at $VENV"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

step "pip install the project + PyInstaller"
"${PIP[@]}" install --quiet --upgrade pip wheel
# install from a copy of the tree so the build does not write build/ or *.egg-info into the checkout
SRC="$(mktemp -d "$TMP/shoal-src.XXXXXX")"
trap 'rm -rf "$SRC"' EXIT
tar -C "$REPO" --exclude=./.git --exclude=./dist --exclude=./build --exclude=./.venv \
    --exclude='*.egg-info' --exclude=__pycache__ --exclude='*.shoal*' -cf - . | tar -C "$SRC" -xf -
"${PIP[@]}" install --quiet "$SRC" "$PYINSTALLER_SPEC"

step "PyInstaller"
"$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" "$REPO/packaging/shoal.spec"

BIN="$DIST/shoal/shoal"
[[ -x "$BIN" ]] || { echo "build.sh: no binary at $BIN" >&2; exit 1; }
install -m 755 "$REPO/packaging/install-desktop.sh" "$DIST/shoal/install-desktop.sh"
step "built $BIN ($(du -sh "$DIST/shoal" | cut -f1))"
"$BIN" --version
echo "next: bash packaging/smoke_test.sh $BIN"
