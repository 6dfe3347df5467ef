#!/usr/bin/env bash
# Smoke-test a built Shoal bundle, offscreen:  bash packaging/smoke_test.sh [dist/shoal/shoal]
#
#   1. shoal --version, shoal --help (must show examples)
#   2. CLI flow on the bundled demo texts: new -> embed (MiniLM) -> next -> label -> status -> export
#      and on the demo images: new -> embed (EfficientNet-Lite0) -> next
#   3. GUI: `shoal demo` (images) and `shoal demo --kind text`, each on a virtual X screen (xvfb-run) for $SHOAL_SMOKE_SECONDS s, screenshot of the
#      screen with ImageMagick's `import -window root`; with no xvfb-run it runs Qt's offscreen platform and
#      only checks the window stays up. Skipped (reported SKIP) when the bundle has no GUI module yet.
#
# Everything runs with HOME/XDG dirs in a temp folder, so the user's settings are untouched.
# Results: $SHOAL_SMOKE_OUT (default ${TMPDIR:-/tmp}/shoal-smoke): smoke.log, result.md, demo-image.png, demo-text.png
# Knobs: SHOAL_SMOKE_SECONDS (GUI time on screen, default 8), SHOAL_SMOKE_GUI=0 (CLI only)
# Needs: bash, coreutils; for the screenshot: apt-get install xvfb imagemagick (+ the xcb libs, docs/install.md)
# Exit status: 0 when every step passed or was skipped, 1 otherwise.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-$REPO/dist/shoal/shoal}"
OUT="${SHOAL_SMOKE_OUT:-${TMPDIR:-/tmp}/shoal-smoke}"
SECONDS_UP="${SHOAL_SMOKE_SECONDS:-8}"
[[ -x "$BIN" ]] || { echo "smoke_test.sh: no bundle binary at $BIN (build it: bash packaging/build.sh)" >&2; exit 1; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
BUNDLE="$(dirname "$BIN")"
DEMO="$BUNDLE/_internal/desktop_app/resources/demo"
[[ -d "$DEMO" ]] || DEMO="$REPO/resources/demo"

rm -rf "$OUT"; mkdir -p "$OUT"
SANDBOX="$(mktemp -d "${TMPDIR:-/tmp}/shoal-smoke-home.XXXXXX")"
trap 'rm -rf "$SANDBOX"' EXIT
export HOME="$SANDBOX/home" XDG_DATA_HOME="$SANDBOX/data" XDG_CONFIG_HOME="$SANDBOX/config" \
       XDG_CACHE_HOME="$SANDBOX/cache" XDG_STATE_HOME="$SANDBOX/state" XDG_RUNTIME_DIR="$SANDBOX/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
LOG="$OUT/smoke.log"; : > "$LOG"
RESULTS=(); FAILED=0

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
record() {  # name status seconds note
    RESULTS+=("| $1 | $2 | $(printf '%.1f' "$3") s | ${4:-} |")
    printf '%-34s %-4s %6.1fs  %s\n' "$1" "$2" "$3" "${4:-}"
    [[ $2 == FAIL ]] && FAILED=1
    return 0
}
step() {  # name, then the command; output goes to the log
    local name="$1"; shift
    local t0; t0=$(now)
    echo "\$ $*" >> "$LOG"
    if "$@" >> "$LOG" 2>&1; then record "$name" PASS "$(since "$t0")"
    else record "$name" FAIL "$(since "$t0")" "exit $? (see smoke.log)"; fi
}
expect() {  # name, regex, command...: passes when the command succeeds and its output matches
    local name="$1" pattern="$2"; shift 2
    local t0 out rc; t0=$(now)
    out="$("$@" 2>&1)"; rc=$?
    printf '$ %s\n%s\n' "$*" "$out" >> "$LOG"
    if [[ $rc == 0 ]] && grep -Eq -- "$pattern" <<<"$out"; then record "$name" PASS "$(since "$t0")" "$(head -1 <<<"$out" | cut -c1-60)"
    else record "$name" FAIL "$(since "$t0")" "exit $rc, wanted /$pattern/"; fi
}

echo "smoke-testing $BIN ($(du -sh "$BUNDLE" | cut -f1)) -> $OUT"
W="$SANDBOX/work"; mkdir -p "$W"; cd "$W"

# 1. version and help (the first call also measures the cold start of the bundle)
expect "shoal --version" '^shoal [0-9]+\.[0-9]+' "$BIN" --version
expect "shoal --help (with examples)" 'examples:' "$BIN" --help

# 2. CLI flows on the shipped demo sample
cp "$DEMO/texts.csv" "$W/texts.csv"
step "new (demo texts)" "$BIN" new texts.shoal --source texts.csv --text-column text
step "embed (MiniLM, 300 texts)" "$BIN" embed texts.shoal
expect "next -n 5 --json" '"id"' "$BIN" next texts.shoal -n 5 --json
first_ids() { "$BIN" next texts.shoal -n "$1" 2>/dev/null | cut -f1; }
ids=($(first_ids 4)); labels=(space hockey space hockey)
{ echo "item,label"; for i in "${!ids[@]}"; do echo "${ids[$i]},${labels[$i]}"; done; } > answers.csv
expect "label --csv (4 answers)" 'saved 4 answers' "$BIN" label texts.shoal --csv answers.csv
expect "next after labels (refit + rerank)" '"score"' "$BIN" next texts.shoal -n 5 --json
expect "status --json" '"n_labeled": 4' "$BIN" status texts.shoal --json
expect "export csv" 'wrote [0-9]+ files' "$BIN" export texts.shoal export --format csv
step "new (demo images)" "$BIN" new images.shoal --source "$DEMO/images"
step "embed (EfficientNet-Lite0, 300 images)" "$BIN" embed images.shoal
expect "next images -n 5" 'item_' "$BIN" next images.shoal -n 5

# 3. the GUI: `shoal demo` (images, the default) and `shoal demo --kind text` stay up and draw something
gui_demo() {  # kind
    local kind="$1" name="shoal demo --kind $1" t0 mode dt note colours shot="$OUT/demo-$1.png" glog="$OUT/gui-$1.log"
    t0=$(now)
    if command -v xvfb-run >/dev/null && command -v import >/dev/null; then
        mode="xvfb"
        cat > "$SANDBOX/gui.sh" <<GUI
#!/usr/bin/env bash
export QT_QPA_PLATFORM=xcb
"$BIN" demo --kind $kind > "$glog" 2>&1 &
pid=\$!
sleep "$SECONDS_UP"
alive=0; kill -0 \$pid 2>/dev/null && alive=1
import -window root "$shot" >> "$glog" 2>&1
kill \$pid 2>/dev/null; sleep 1; kill -9 \$pid 2>/dev/null
wait \$pid 2>/dev/null
echo "alive=\$alive" >> "$glog"
GUI
        xvfb-run -a -s "-screen 0 1280x800x24" bash "$SANDBOX/gui.sh" >> "$LOG" 2>&1
    else
        mode="offscreen"
        QT_QPA_PLATFORM=offscreen "$BIN" demo --kind "$kind" > "$glog" 2>&1 &
        local pid=$!; sleep "$SECONDS_UP"
        local alive=0; kill -0 $pid 2>/dev/null && alive=1
        kill $pid 2>/dev/null; sleep 1; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
        echo "alive=$alive" >> "$glog"
    fi
    { echo "\$ $BIN demo --kind $kind   ($mode)"; cat "$glog"; } >> "$LOG"
    dt=$(since "$t0")
    name="$name ($mode)"
    if grep -q "No module named 'desktop_app.app'" "$glog"; then
        record "$name" SKIP "$dt" "this build has no GUI yet (desktop_app/app.py)"
    elif grep -q '^alive=1' "$glog"; then
        note="up after ${SECONDS_UP}s"
        if [[ $mode == xvfb ]]; then
            colours="$(convert "$shot" -format '%k' info: 2>/dev/null || echo 0)"
            if [[ -s "$shot" && "${colours:-0}" -gt 8 ]]; then
                record "$name" PASS "$dt" "$note, screenshot $(basename "$shot") ($colours colours)"
            else
                record "$name" FAIL "$dt" "$note but the screen is blank ($colours colours)"
            fi
        else
            record "$name" PASS "$dt" "$note (no xvfb-run/import: no screenshot)"
        fi
    else
        record "$name" FAIL "$dt" "exited early: $(grep -v '^alive=' "$glog" | tail -1 | cut -c1-80)"
    fi
}
if [[ "${SHOAL_SMOKE_GUI:-1}" == 0 ]]; then
    record "shoal demo (GUI)" SKIP 0 "SHOAL_SMOKE_GUI=0"
elif ! "$BIN" demo --help 2>&1 | grep -q -- '--kind'; then
    record "shoal demo (GUI)" FAIL 0 "no demo command"
else
    export QT_QUICK_BACKEND=software LIBGL_ALWAYS_SOFTWARE=1
    gui_demo image
    gui_demo text
fi

# 4. the log file the GUI/CLI wrote under the user log dir (informational)
logf="$(find "$XDG_STATE_HOME" -name 'shoal.log' 2>/dev/null | head -1)"
[[ -n "$logf" ]] && cp "$logf" "$OUT/shoal.log"

verdict=PASS; [[ $FAILED == 1 ]] && verdict=FAIL
{
    echo "Smoke test of \`$BIN\` on $(date -u '+%Y-%m-%d %H:%M UTC'): **$verdict**"
    echo
    echo "Bundle size: $(du -sh "$BUNDLE" | cut -f1) ($(find "$BUNDLE" -type f | wc -l) files); host: $(uname -sm), $(nproc) cores"
    echo
    echo "| step | result | time | note |"
    echo "| --- | --- | --- | --- |"
    printf '%s\n' "${RESULTS[@]}"
} > "$OUT/result.md"
echo; cat "$OUT/result.md"
exit $FAILED
