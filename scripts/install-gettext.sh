#!/usr/bin/env bash
# GNU gettext's msgfmt compiles the French catalogues (make messages) and checks them (make lint).
set -euo pipefail
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "Installing Debian's gettext for the message catalogues"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gettext >/dev/null
