#!/usr/bin/env bash
# Turns a Raspberry Pi OS (Bookworm) or Debian 12 device into a hailong kiosk: boots straight
# into `hailong kiosk run` full screen under cage (a Wayland kiosk compositor), no desktop, no
# screen blanking, no cursor, the scanner at /dev/hailong-scanner, the clock kept by NTP.
#
#   sudo deploy/kiosk/install.sh --bundle DIR [--source PATH] [--ntp SERVER]... \
#        [--scanner VID:PID] [--root DIR] [--dry-run]
#
#   --bundle DIR      the kiosk's bundle from `hailong provision kiosk` (kiosk.toml, ca.crt,
#                     receipt.key); installed in /etc/hailong, readable by the kiosk user only
#   --source PATH     what pip installs hailong from: this repository or a hailong wheel
#                     (default: the repository this script is in)
#   --ntp SERVER      time server(s) to use instead of the distribution's (e.g. the province's)
#   --scanner VID:PID the scanner's USB vendor:product ids (lsusb); default: any USB serial
#                     (CDC-ACM) device is the scanner
#   --root DIR        write every file under DIR instead of / (with --dry-run: a rehearsal)
#   --dry-run         write files (under --root) but only print the commands it would run
#
# Idempotent: run it again after changing anything; it reports what it changed, and a second
# run in a row changes nothing. docs/deploy.md, "Kiosks", walks through it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

root=""
dry_run=0
bundle=""
source_path="$repo"
ntp_servers=()
scanner=""

kiosk_user="hailong-kiosk"
app_dir="/opt/hailong"
config_dir="/etc/hailong"
cursor_dir="/usr/local/share/hailong/icons"

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }
fail() { echo "install.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle="${2:?--bundle needs a folder}"; shift 2 ;;
    --source) source_path="${2:?--source needs a path}"; shift 2 ;;
    --ntp) ntp_servers+=("${2:?--ntp needs a server}"); shift 2 ;;
    --scanner) scanner="${2:?--scanner needs VID:PID}"; shift 2 ;;
    --root) root="${2:?--root needs a folder}"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) fail "unknown option $1 (see --help)" ;;
  esac
done

[ -n "$bundle" ] || fail "--bundle DIR is required (made by: hailong provision kiosk)"
for file in kiosk.toml ca.crt receipt.key; do
  [ -f "$bundle/$file" ] || fail "$bundle/$file is missing: is this a bundle from 'hailong provision kiosk'?"
done
if [ -n "$scanner" ] && ! [[ "$scanner" =~ ^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$ ]]; then
  fail "--scanner expects VID:PID as lsusb prints them, e.g. 0c2e:0b61 (got $scanner)"
fi
if [ "$dry_run" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  fail "run it as root (sudo), or rehearse with --root DIR --dry-run"
fi
root="${root%/}"

changed=0

# run CMD...: run a command, or print it in a dry run.
run() {
  if [ "$dry_run" -eq 1 ]; then
    echo "would run: $*"
  else
    echo "run: $*"
    "$@"
  fi
}

# put PATH MODE: write stdin to PATH (under --root) when its content or mode differs.
put() {
  local path="$root$1" mode="$2" new
  new="$(mktemp)"
  cat >"$new"
  if [ -f "$path" ] && cmp -s "$new" "$path" && [ "$(stat -c %a "$path")" = "$mode" ]; then
    rm -f "$new"
    return 0
  fi
  mkdir -p "$(dirname "$path")"
  install -m "$mode" "$new" "$path"
  rm -f "$new"
  echo "changed: $1"
  changed=$((changed + 1))
}

# add_kernel_arg FILE ARG: append ARG to the one-line kernel command line in FILE if missing.
add_kernel_arg() {
  local path="$root$1" arg="$2" line
  [ -f "$path" ] || return 1
  line="$(head -n 1 "$path")"
  case " $line " in *" $arg "*) return 0 ;; esac
  printf '%s %s\n' "$line" "$arg" | put "$1" "$(stat -c %a "$path")"
}

have_unit() { [ -e "$root/lib/systemd/system/$1" ] || [ -e "$root/etc/systemd/system/$1" ]; }

echo "== packages"
run apt-get install -y --no-install-recommends cage xwayland python3-venv python3-pip \
  systemd-timesyncd

echo "== the kiosk user"
if ! grep -q "^$kiosk_user:" "$root/etc/passwd" 2>/dev/null; then
  run useradd --system --create-home --home-dir "/var/lib/$kiosk_user" \
    --shell /usr/sbin/nologin --comment "hailong kiosk" "$kiosk_user"
fi
# video/render: the screen (KMS); input: the touchscreen; dialout: the scanner; audio: read-aloud.
run usermod -a -G video,render,input,dialout,audio "$kiosk_user"

echo "== hailong"
if [ ! -x "$root$app_dir/venv/bin/python" ]; then
  run python3 -m venv "$app_dir/venv"
fi
run "$app_dir/venv/bin/pip" install --quiet --upgrade "${source_path}[kiosk]"

echo "== the bundle (/etc/hailong)"
for file in kiosk.toml ca.crt receipt.key; do
  put "$config_dir/$file" 600 <"$bundle/$file"
done
run chown -R "$kiosk_user:$kiosk_user" "$config_dir"
run chmod 0700 "$config_dir"

echo "== straight into the kiosk on tty1"
# pam_systemd gives the kiosk a logind session, hence a seat with the screen and input devices.
put /etc/pam.d/hailong-kiosk 644 <<'EOF'
# hailong's kiosk session (deploy/kiosk/install.sh): no password, a logind seat for cage.
auth      required  pam_permit.so
account   required  pam_unix.so
session   required  pam_unix.so
session   required  pam_systemd.so
session   required  pam_env.so
EOF
put /etc/systemd/system/hailong-kiosk.service 644 <"$repo/deploy/systemd/hailong-kiosk.service"
for manager in lightdm.service gdm3.service sddm.service; do
  if have_unit "$manager"; then run systemctl disable "$manager"; fi
done
run systemctl set-default graphical.target
run systemctl enable hailong-kiosk.service

echo "== no cursor"
# A transparent 1x1 cursor as the default theme, found through XCURSOR_PATH (set in the unit):
# cage draws no arrow even when a touchscreen also reports itself as a mouse.
cursor="$(mktemp)"
printf 'Xcur\x10\x00\x00\x00\x00\x00\x01\x00\x01\x00\x00\x00\x02\x00\xfd\xff\x01\x00\x00\x00\x1c\x00\x00\x00' >"$cursor"
printf '\x24\x00\x00\x00\x02\x00\xfd\xff\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00' >>"$cursor"
printf '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' >>"$cursor"
for name in left_ptr default arrow pointer hand2 text xterm; do
  put "$cursor_dir/default/cursors/$name" 644 <"$cursor"
done
rm -f "$cursor"
printf '[Icon Theme]\nName=default\nComment=hailong: no visible cursor\n' |
  put "$cursor_dir/default/index.theme" 644

echo "== no screen blanking"
# cage never blanks the screen itself; the kernel's console blanking is switched off.
if [ -f "$root/boot/firmware/cmdline.txt" ]; then
  add_kernel_arg /boot/firmware/cmdline.txt consoleblank=0
elif [ -f "$root/boot/cmdline.txt" ]; then
  add_kernel_arg /boot/cmdline.txt consoleblank=0
elif [ -f "$root/etc/default/grub" ]; then
  put /etc/default/grub.d/hailong.cfg 644 <<'EOF'
# hailong kiosk: never blank the console (deploy/kiosk/install.sh)
GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT consoleblank=0"
EOF
  run update-grub
else
  echo "note: no cmdline.txt or GRUB found; add consoleblank=0 to the kernel command line by hand"
fi

echo "== the scanner (/dev/hailong-scanner)"
if [ -n "$scanner" ]; then
  match="ATTRS{idVendor}==\"${scanner%%:*}\", ATTRS{idProduct}==\"${scanner##*:}\""
  put /etc/udev/rules.d/70-hailong-scanner.rules 644 <<EOF
# hailong: the receipt scanner $scanner, whatever port it is plugged into (install.sh)
SUBSYSTEM=="tty", $match, SYMLINK+="hailong-scanner", GROUP="dialout", MODE="0660"
EOF
else
  put /etc/udev/rules.d/70-hailong-scanner.rules 644 <<'EOF'
# hailong: any USB serial (CDC-ACM) device is the receipt scanner (install.sh; pass
# --scanner VID:PID to name one model when something else on the kiosk is a USB serial device)
SUBSYSTEM=="tty", KERNEL=="ttyACM[0-9]*", SUBSYSTEMS=="usb", SYMLINK+="hailong-scanner", GROUP="dialout", MODE="0660"
EOF
fi
run udevadm control --reload
run udevadm trigger --subsystem-match=tty

echo "== the clock (NTP)"
# Ratings carry the kiosk's time: a kiosk whose clock is wrong files them under the wrong day.
if have_unit chrony.service; then
  if [ ${#ntp_servers[@]} -gt 0 ]; then
    printf 'server %s iburst\n' "${ntp_servers[@]}" | put /etc/chrony/sources.d/hailong.sources 644
    run chronyc reload sources
  fi
  run systemctl enable --now chrony.service
else
  if [ ${#ntp_servers[@]} -gt 0 ]; then
    printf '[Time]\nNTP=%s\n' "${ntp_servers[*]}" | put /etc/systemd/timesyncd.conf.d/hailong.conf 644
    run systemctl restart systemd-timesyncd.service
  fi
  run systemctl enable --now systemd-timesyncd.service
  run timedatectl set-ntp true
fi

run systemctl daemon-reload
if [ "$changed" -gt 0 ]; then
  run systemctl restart hailong-kiosk.service
fi
echo "install.sh: $changed files changed"
