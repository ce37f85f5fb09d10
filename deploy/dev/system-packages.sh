#!/usr/bin/env bash
# Installs the system programs `make run` / `make test` need, from Debian's packages, when they
# are missing: Mosquitto always; for the tests also PostgreSQL, Chromium, espeak-ng,
# systemd-analyze, cage, the shellcheck linter, nginx and openssl; for `make screenshots` also
# Chromium and LibreOffice Writer (the official report's DOCX drawn as PDF pages, with the
# Liberation fonts standing in for Times New Roman). Without root (or password-less sudo) it
# prints the one command to run and stops.
set -euo pipefail

purpose="${1:-run}"
need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/local/sbin/$1" ]; }

have mosquitto || need+=(mosquitto)
if [ "$purpose" = test ]; then
  if ! have initdb && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    need+=(postgresql)
  fi
  have chromium || need+=(chromium)
  # The deployment tests: `systemd-analyze verify` of deploy/systemd/ (works offline, without a
  # running systemd), cage named by the kiosk unit, and shellcheck for deploy/kiosk/install.sh.
  have systemd-analyze || need+=(systemd)
  have cage || need+=(cage)
  have shellcheck || need+=(shellcheck)
  have espeak-ng || need+=(espeak-ng)  # the kiosk's read-aloud, tested by speaking into a file
  have nginx || need+=(nginx-light)  # the documented proxy in front of the hub (sign-in limits)
  have openssl || need+=(openssl)  # computes the receipt HMAC test vectors independently of the kiosk
fi

if [ "$purpose" = screenshots ]; then
  have chromium || need+=(chromium)
  have espeak-ng || need+=(espeak-ng)
  have soffice || need+=(libreoffice-writer-nogui fonts-liberation)
fi

[ ${#need[@]} -eq 0 ] && exit 0
packages=("${need[@]}")

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "hailong needs: ${packages[*]}" >&2
  echo "Install them with:  sudo apt-get install -y ${packages[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "hailong needs: ${packages[*]} (no apt-get here: install them with your package manager)" >&2
  exit 1
fi
echo "Installing ${packages[*]} with apt-get…" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
