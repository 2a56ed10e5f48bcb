#!/usr/bin/env bash
# Installs Debian's `chromium` for the real-browser tests (test/helpers/browser.ts drives it with
# playwright-core through `executablePath`; playwright's own browser download is not used).
# Idempotent and quiet: does nothing when chromium is already on PATH.
set -uo pipefail

log() { printf '[chromium %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if command -v chromium >/dev/null 2>&1; then
  log "already installed ($(chromium --version 2>/dev/null)); skipping"
  exit 0
fi
log "missing; installing Debian package chromium"
[ "$(id -u)" -eq 0 ] || die "install needs root (or run: apt-get install chromium)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || die "apt-get update failed"
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null || die "apt-get install chromium failed"
command -v chromium >/dev/null 2>&1 || die "chromium still missing after install"
log "installed $(chromium --version 2>/dev/null)"
