#!/bin/sh
# Installs what qa-web/tests/browser.rs drives: Debian's Chromium and its WebDriver, and a
# Traditional Chinese font so that the screenshots it saves are readable.
set -eu
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && fc-list :lang=zh-tw | grep -q .; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-wqy-microhei
