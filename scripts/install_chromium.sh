#!/usr/bin/env bash
# Debian's chromium for the report test (tests/expectations/test_report.py), which opens the
# quality report headless with the network off. Idempotent: does nothing when chromium is
# already on PATH. Needs root (or sudo) the first time; CI runs it from .ci/run.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install_chromium.sh: chromium is missing and this user cannot install it" \
             "(run as root: apt-get update && apt-get install -y chromium)" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium   # recommends bring fonts for the screenshot
command -v chromium >/dev/null 2>&1
