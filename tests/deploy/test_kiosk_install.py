"""deploy/kiosk/install.sh: shellcheck-clean, and a rehearsal into a temporary root, twice."""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import require
from tests.support.deploy import DEPLOY

SCRIPT = DEPLOY / "kiosk" / "install.sh"
PI_CMDLINE = "console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 rootwait"


def install(root: Path, bundle: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), "--bundle", str(bundle), "--root", str(root),
                           "--dry-run", *extra], capture_output=True, text=True, timeout=60,
                          check=False)


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mode)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "kiosk.toml").write_text('[kiosk]\noffice = "ubnd-a"\nid = "k01"\n')
    (folder / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    (folder / "receipt.key").write_text("0" * 64 + "\n")
    return folder


@pytest.fixture
def pi_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "boot" / "firmware").mkdir(parents=True)
    (root / "boot" / "firmware" / "cmdline.txt").write_text(PI_CMDLINE + "\n")
    (root / "etc").mkdir()
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "lib" / "systemd" / "system").mkdir(parents=True)
    (root / "lib" / "systemd" / "system" / "lightdm.service").write_text("[Unit]\n")
    return root


def test_install_sh_is_shellcheck_clean() -> None:
    require("shellcheck", shutil.which("shellcheck") is not None,
            "sudo apt-get install -y shellcheck")
    result = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stdout


def test_a_second_run_changes_nothing(pi_root: Path, bundle: Path) -> None:
    first = install(pi_root, bundle)
    assert first.returncode == 0, first.stderr
    after_first = snapshot(pi_root)
    second = install(pi_root, bundle)
    assert second.returncode == 0, second.stderr
    assert "changed:" not in second.stdout
    assert second.stdout.rstrip().endswith("install.sh: 0 files changed")
    assert snapshot(pi_root) == after_first
    assert "would run: systemctl restart hailong-kiosk.service" in first.stdout
    assert "restart hailong-kiosk" not in second.stdout


def test_the_rehearsal_sets_up_a_kiosk_that_boots_into_hailong(pi_root: Path, bundle: Path) -> None:
    result = install(pi_root, bundle, "--ntp", "ntp.tinh.gov.vn")
    assert result.returncode == 0, result.stderr
    cmdline = (pi_root / "boot" / "firmware" / "cmdline.txt").read_text()
    assert cmdline == PI_CMDLINE + " consoleblank=0\n"
    for name in ("kiosk.toml", "ca.crt", "receipt.key"):
        installed = pi_root / "etc" / "hailong" / name
        assert installed.read_bytes() == (bundle / name).read_bytes()
        assert installed.stat().st_mode & 0o777 == 0o600
    unit = pi_root / "etc" / "systemd" / "system" / "hailong-kiosk.service"
    assert unit.read_text() == (DEPLOY / "systemd" / "hailong-kiosk.service").read_text()
    assert "pam_systemd.so" in (pi_root / "etc" / "pam.d" / "hailong-kiosk").read_text()
    rule = (pi_root / "etc" / "udev" / "rules.d" / "70-hailong-scanner.rules").read_text()
    assert 'KERNEL=="ttyACM[0-9]*"' in rule and 'SYMLINK+="hailong-scanner"' in rule
    ntp = (pi_root / "etc" / "systemd" / "timesyncd.conf.d" / "hailong.conf").read_text()
    assert ntp == "[Time]\nNTP=ntp.tinh.gov.vn\n"
    said = result.stdout
    for command in ("useradd --system", "systemctl disable lightdm.service",
                    "systemctl enable hailong-kiosk.service", "systemctl set-default graphical.target",
                    "timedatectl set-ntp true", "udevadm control --reload",
                    "apt-get install -y --no-install-recommends cage"):
        assert f"would run: {command}" in said, command


def test_a_named_scanner_model_gets_its_own_rule(pi_root: Path, bundle: Path) -> None:
    result = install(pi_root, bundle, "--scanner", "0c2e:0b61")
    assert result.returncode == 0, result.stderr
    rule = (pi_root / "etc" / "udev" / "rules.d" / "70-hailong-scanner.rules").read_text()
    assert 'ATTRS{idVendor}=="0c2e", ATTRS{idProduct}=="0b61"' in rule
    bad = install(pi_root, bundle, "--scanner", "honeywell")
    assert bad.returncode == 2 and "VID:PID" in bad.stderr


def test_a_debian_pc_gets_consoleblank_through_grub(tmp_path: Path, bundle: Path) -> None:
    root = tmp_path / "pc"
    (root / "etc" / "default").mkdir(parents=True)
    (root / "etc" / "default" / "grub").write_text('GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n')
    result = install(root, bundle)
    assert result.returncode == 0, result.stderr
    assert "consoleblank=0" in (root / "etc" / "default" / "grub.d" / "hailong.cfg").read_text()
    assert "would run: update-grub" in result.stdout


def test_it_refuses_a_folder_that_is_not_a_bundle(tmp_path: Path, pi_root: Path) -> None:
    result = install(pi_root, tmp_path)
    assert result.returncode == 2
    assert "kiosk.toml is missing" in result.stderr


def test_the_hidden_cursor_is_a_real_transparent_xcursor(pi_root: Path, bundle: Path) -> None:
    library = ctypes.util.find_library("Xcursor")
    require("libXcursor", library is not None, "sudo apt-get install -y libxcursor1")
    assert install(pi_root, bundle).returncode == 0
    cursor = pi_root / "usr" / "local" / "share" / "hailong" / "icons" / "default" / "cursors"

    class XcursorImage(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("size", ctypes.c_uint32),
                    ("width", ctypes.c_uint32), ("height", ctypes.c_uint32),
                    ("xhot", ctypes.c_uint32), ("yhot", ctypes.c_uint32),
                    ("delay", ctypes.c_uint32), ("pixels", ctypes.POINTER(ctypes.c_uint32))]

    xcursor = ctypes.CDLL(library)
    xcursor.XcursorFilenameLoadImage.restype = ctypes.POINTER(XcursorImage)
    xcursor.XcursorFilenameLoadImage.argtypes = [ctypes.c_char_p, ctypes.c_int]
    image = xcursor.XcursorFilenameLoadImage(str(cursor / "left_ptr").encode(), 24)
    assert image, "libXcursor could not read the cursor"
    assert (image.contents.width, image.contents.height) == (1, 1)
    assert image.contents.pixels[0] == 0  # fully transparent
    xcursor.XcursorImageDestroy(image)
