#!/usr/bin/env bash
# Install the Debian packages semwb's browser tests use, when they are missing and we may (root).
# On a developer's machine a missing package is a hint (the browser tests then skip); under CI
# (the CI environment variable set) it is an error, so that a run cannot pass without the browser.
set -euo pipefail
missing() {
  need=()
  command -v "${SEMWB_CHROMIUM:-chromium}" >/dev/null 2>&1 || need+=(chromium)
  # Read the whole font list first: `fc-list | grep -q` under pipefail fails with SIGPIPE (141)
  # whenever grep stops reading before fc-list has written everything.
  local fonts
  fonts="$(fc-list : family 2>/dev/null || true)"
  grep -qi "noto sans cjk" <<<"$fonts" || need+=(fonts-noto-cjk)
}
give_up() {
  echo "semwb: $1" >&2
  if [ -n "${CI:-}" ]; then
    echo "semwb: CI is set, so the browser tests cannot run: failing." >&2
    exit 1
  fi
  exit 0
}
missing
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  give_up "the browser tests need Debian packages: ${need[*]} (run: sudo apt-get install ${need[*]})"
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null; }; then
  give_up "apt-get could not install ${need[*]}"
fi
missing
[ ${#need[@]} -eq 0 ] || give_up "still missing after apt-get: ${need[*]}"
