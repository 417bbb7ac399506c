#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it; browser downloads fail on these machines)
# and the DejaVu fonts the PDF passes embed. Installs what is missing when root; under CI=true a missing
# browser fails the run, otherwise the browser tests skip.
set -uo pipefail
CHROMIUM="${BRIDGEPOINT_CHROMIUM:-/usr/bin/chromium}"
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
[ -f "$FONT" ] || missing+=(fonts-dejavu-core)
command -v pdftotext >/dev/null || missing+=(poppler-utils)   # the reports' PDF text is checked with pdftotext
[ ${#missing[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "browser: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
if [ ! -x "$CHROMIUM" ] || [ ! -f "$FONT" ] || ! command -v pdftotext >/dev/null; then
    if [ "${CI:-}" = true ]; then echo "browser: ERROR: ${missing[*]} could not be installed (CI=true: failing)" >&2; exit 1; fi
    echo "browser: WARNING: ${missing[*]} missing -- browser tests and PDF passes will be skipped" >&2
fi
exit 0
