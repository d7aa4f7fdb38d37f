#!/usr/bin/env bash
# Install the system packages the tests need (headless Chromium for the admin
# browser tests) when they are missing and we are allowed to. Without them the
# browser tests skip with a message saying what to install.
set -uo pipefail
if command -v chromium >/dev/null 2>&1 || [ -n "${CARE_SKIP_APT:-}" ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing chromium for the browser tests (set CARE_SKIP_APT=1 to skip)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null) \
        || echo "warning: could not install chromium; browser tests will skip"
fi
exit 0
