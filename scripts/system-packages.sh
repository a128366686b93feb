#!/usr/bin/env bash
# The Debian packages Yiwang needs outside Python, in one place: `make run`, `make test` and
# .ci/run all call this script.
#
#   scripts/system-packages.sh run    fonts for PDFs (notices, licences, guides, reports)
#   scripts/system-packages.sh test   the same, plus Chromium for the browser tests
#
# What is missing is installed with apt-get (through sudo when not root; `apt-get update` runs
# only when something has to be installed). Where that is impossible (no apt-get, no sudo
# rights), the script names the packages to install and exits 1.
# YIWANG_SKIP_SYSTEM_PACKAGES=1 skips the script (for machines set up by other means).
set -euo pipefail

profile=${1:-}
case "$profile" in
  run)  packages=(fonts-wqy-microhei fonts-hanazono) ;;
  test) packages=(fonts-wqy-microhei fonts-hanazono chromium) ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

if [ "${YIWANG_SKIP_SYSTEM_PACKAGES:-0}" = "1" ]; then
  exit 0
fi

installed() {
  # chromium may come from elsewhere than the Debian package; the browser tests use /usr/bin/chromium.
  if [ "$1" = chromium ] && [ -x /usr/bin/chromium ]; then return 0; fi
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${packages[@]}"; do
    installed "$package" || missing+=("$package")
  done
else
  echo "system-packages: this is not a Debian system; please install the equivalents of: ${packages[*]}" >&2
  echo "  (WenQuanYi Micro Hei and Hanazono fonts for PDFs; Chromium at /usr/bin/chromium for tests)," >&2
  echo "  then run again with YIWANG_SKIP_SYSTEM_PACKAGES=1." >&2
  exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "system-packages: missing Debian packages: ${missing[*]}" >&2
    echo "  install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

echo "system-packages ($profile): installing ${missing[*]}"
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
   || ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "system-packages: could not install ${missing[*]}." >&2
  echo "  install them yourself:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
