#!/usr/bin/env bash
# Checks the HTML report of a batch run in headless Chromium, for people and CI.
#
# Usage: scripts/check-report.sh OUT_DIR [VIEW]
#   OUT_DIR  output directory of `gradcam explain ... --out-dir OUT_DIR`
#            (holds index.html, manifest.jsonl and images/)
#   VIEW     optional view of the report, the part of its URL after '#':
#            "misclassified", "pred=7&true=2", "true=none", "sort=confidence-asc", "q=foo"
#
# Examples:
#   scripts/check-report.sh out/                    # the whole report
#   scripts/check-report.sh out/ misclassified      # only the mistakes (fast on big runs)
#   WINDOW=1000x700 CHECK_DIR=/tmp/shots scripts/check-report.sh out/ 'pred=7&true=2'
#
# Writes into CHECK_DIR (default OUT_DIR/report-check):
#   screenshot.png  the first screen of the page, WINDOW pixels (default 1400x1800)
#   dom.html        the DOM after the page's script has run (chromium --dump-dom)
# and prints what the page shows: thumbnails, misclassified ones, images that failed to load.
#
# Exit status: 0 when the page finished building its grid (<body data-state="ready">), shows as
# many thumbnails as its status says, embeds as many entries as manifest.jsonl has (failures
# excluded), and every image it loaded exists; 1 when a check fails; 2 on a usage error or
# when no Chromium is found.
#
# Environment: CHROMIUM (default: the first of chromium, chromium-browser, google-chrome on PATH),
# WINDOW, CHECK_DIR. Needs node (for the file URL). Headless Chromium ignores loading="lazy" and
# loads every thumbnail, so a 10,000-image report takes tens of seconds; VIEW=misclassified is quick.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -ge 1 && $# -le 2 && $1 != -h && $1 != --help ]] || usage
out_dir=$1
view=${2:-}
view=${view#\#}
report="$out_dir/index.html"
if [[ ! -f $report ]]; then
  echo "check-report: no report at $report; run gradcam explain with --out-dir $out_dir (without --no-report)" >&2
  exit 2
fi

chromium=${CHROMIUM:-}
if [[ -z $chromium ]]; then
  for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
      chromium=$candidate
      break
    fi
  done
fi
if [[ -z $chromium ]]; then
  echo "check-report: no Chromium found; install it (Debian: apt-get install chromium) or set CHROMIUM=/path/to/chrome" >&2
  exit 2
fi

check_dir=${CHECK_DIR:-$out_dir/report-check}
window=${WINDOW:-1400x1800}
mkdir -p "$check_dir"
profile=$(mktemp -d "${TMPDIR:-/tmp}/check-report-profile.XXXXXX")
trap 'rm -rf "$profile"' EXIT

url=$(node -e 'console.log(require("node:url").pathToFileURL(require("node:path").resolve(process.argv[1])).href)' "$report")
[[ -n $view ]] && url="$url#$view"

# Isolated, offline, no first-run UI; the virtual-time budget lets the page's script and its
# chunked rendering finish before the DOM is dumped or the screenshot taken.
flags=(
  --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --hide-scrollbars --force-device-scale-factor=1
  "--user-data-dir=$profile" "--window-size=${window/x/,}" --virtual-time-budget=30000
)

"$chromium" "${flags[@]}" --dump-dom "$url" >"$check_dir/dom.html" 2>"$check_dir/chromium.log" || {
  echo "check-report: $chromium failed; see $check_dir/chromium.log" >&2
  exit 1
}
"$chromium" "${flags[@]}" "--screenshot=$check_dir/screenshot.png" "$url" >>"$check_dir/chromium.log" 2>&1 || {
  echo "check-report: $chromium failed to take the screenshot; see $check_dir/chromium.log" >&2
  exit 1
}

dom="$check_dir/dom.html"
# grep finds nothing -> status 1, which pipefail would turn into an exit: hence the `|| true`s.
count() { { grep -o -- "$1" "$dom" || true; } | wc -l | tr -d ' '; }
attribute() { { grep -o -m1 -- "$1=\"[^\"]*\"" "$dom" || true; } | head -n1 | sed 's/^[^"]*"//; s/"$//'; }

state=$({ grep -o -m1 '<body[^>]*>' "$dom" || true; } | { grep -o 'data-state="[a-z]*"' || true; } | sed 's/.*="//; s/"$//')
tiles=$(count 'data-index="')
misclassified=$(count 'class="tile misclassified')
missing=$(count 'class="tile[a-z ]* missing"')
shown=$(attribute data-shown)
total=$(attribute data-total)
status_line=$({ grep -o '<p id="status"[^>]*>[^<]*</p>' "$dom" || true; } | sed 's/<[^>]*>//g')
manifest="$out_dir/manifest.jsonl"
entries=""
if [[ -f $manifest ]]; then
  entries=$(($(grep -c . "$manifest" || true) - $(grep -c '"error":' "$manifest" || true)))
fi

echo "report:        $url"
echo "status:        ${status_line:-?}"
echo "thumbnails:    $tiles shown ($misclassified misclassified), $missing missing image(s)"
echo "screenshot:    $check_dir/screenshot.png"
echo "dom:           $dom"

failed=0
fail() {
  echo "FAIL: $*" >&2
  failed=1
}
[[ $state == ready ]] || fail "the page did not finish rendering (data-state=\"${state:-none}\"); see $check_dir/chromium.log"
[[ $tiles == "${shown:-x}" ]] || fail "the page shows $tiles thumbnails but its status says ${shown:-?}"
if [[ -n $entries && $entries != "${total:-x}" ]]; then
  fail "manifest.jsonl has $entries entries but the report embeds ${total:-?}"
fi
[[ $missing == 0 ]] || fail "$missing thumbnail image(s) failed to load (class \"missing\" in $dom)"
[[ -s $check_dir/screenshot.png ]] || fail "no screenshot was written"
exit $failed
