#!/usr/bin/env bash
# Add Shoal to the desktop menu, give it its icon, and make double-clicking a *.shoal project open it.
# Installs for the current user only, under ${XDG_DATA_HOME:-~/.local/share}; no root needed.
#
#   bash packaging/install-desktop.sh                 # pip route: uses `shoal` found on PATH
#   dist/shoal/install-desktop.sh                     # bundle route: uses the bundle's own binary
#   bash packaging/install-desktop.sh --exec /opt/shoal/shoal
#   bash packaging/install-desktop.sh --uninstall
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EXEC=""
UNINSTALL=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --exec) EXEC="$2"; shift 2 ;;
        --uninstall) UNINSTALL=1; shift ;;
        -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install-desktop.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

# where the desktop files are: a checkout (packaging/../resources) or a bundle (_internal/desktop_app/resources)
RES=""
for cand in "$HERE/../resources" "$HERE/_internal/desktop_app/resources"; do
    [[ -f "$cand/shoal.desktop" ]] && { RES="$(cd "$cand" && pwd)"; break; }
done
if [[ -z "$RES" ]]; then  # a pip install: ask the Python that runs `shoal` (its script's #! line), then python3
    for py in "$( [[ -n "$EXEC" ]] && sed -n '1s/^#!//p' "$EXEC" 2>/dev/null)" \
              "$(command -v shoal >/dev/null && sed -n '1s/^#!//p' "$(command -v shoal)")" python3; do
        [[ -n "$py" ]] || continue
        RES="$($py -c 'from desktop_app.resources_path import resources_dir; print(resources_dir())' 2>/dev/null || true)"
        [[ -f "$RES/shoal.desktop" ]] && break
    done
fi
[[ -n "$RES" && -f "$RES/shoal.desktop" ]] || { echo "install-desktop.sh: cannot find Shoal's resources/ (shoal.desktop)" >&2; exit 1; }

DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
APPS="$DATA/applications"
ICONS="$DATA/icons/hicolor"
MIME="$DATA/mime"

refresh() {
    command -v update-mime-database >/dev/null && update-mime-database "$MIME" || true
    command -v update-desktop-database >/dev/null && update-desktop-database -q "$APPS" || true
    command -v gtk-update-icon-cache >/dev/null && [[ -f "$ICONS/index.theme" ]] && gtk-update-icon-cache -q -t "$ICONS" || true
    command -v xdg-icon-resource >/dev/null && xdg-icon-resource forceupdate || true
}

if [[ $UNINSTALL == 1 ]]; then
    rm -f "$APPS/shoal.desktop" "$MIME/packages/shoal.xml"
    find "$ICONS" \( -name shoal.png -o -name shoal.svg -o -name 'application-x-shoal-project.*' \) -delete 2>/dev/null || true
    refresh
    echo "removed Shoal's menu entry, icons and MIME type from $DATA"
    exit 0
fi

if [[ -z "$EXEC" ]]; then
    if [[ -x "$HERE/shoal" && -d "$HERE/_internal" ]]; then
        EXEC="$HERE/shoal"                      # inside a PyInstaller bundle
    elif command -v shoal >/dev/null; then
        EXEC="$(command -v shoal)"
    else
        echo "install-desktop.sh: \`shoal\` is not on PATH; pip install it first or pass --exec /path/to/shoal" >&2
        exit 1
    fi
fi
[[ "$EXEC" == /* ]] || EXEC="$PWD/$EXEC"
[[ -x "$EXEC" ]] || echo "install-desktop.sh: warning: $EXEC is not an executable file (yet)" >&2

mkdir -p "$APPS" "$MIME/packages" "$ICONS"
# absolute Exec/TryExec so the menu works even when the launcher's PATH lacks the bundle or venv
quoted="$EXEC"
[[ "$EXEC" == *" "* ]] && quoted="\"$EXEC\""    # the Exec key wants a path with spaces in double quotes
sed -e "s|^Exec=shoal |Exec=$quoted |" -e "s|^TryExec=shoal$|TryExec=$EXEC|" \
    "$RES/shoal.desktop" > "$APPS/shoal.desktop"
chmod 644 "$APPS/shoal.desktop"
cp "$RES/mime/shoal.xml" "$MIME/packages/shoal.xml"
for dir in "$RES"/icons/hicolor/*/apps; do
    size="$(basename "$(dirname "$dir")")"
    mkdir -p "$ICONS/$size/apps" "$ICONS/$size/mimetypes"
    for f in "$dir"/shoal.*; do
        cp "$f" "$ICONS/$size/apps/"
        cp "$f" "$ICONS/$size/mimetypes/application-x-shoal-project.${f##*.}"
    done
done
refresh
echo "installed Shoal for $(id -un): menu entry $APPS/shoal.desktop (Exec=$EXEC), icons, MIME type application/x-shoal-project (*.shoal)"
