"""The config drive, read back with xorriso (a reader we did not write)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fgtha import atomicfile
from fgtha.configdrive import build_config_drive, write_config_drive

USER_DATA = 'config system global\n    set hostname "fgt-a"\nend\n'
LICENSE = "-----BEGIN FGT VM LICENSE-----\nQUJD\n-----END FGT VM LICENSE-----\n"


def xorriso(*args: str) -> str:
    return subprocess.run(["xorriso", *args], capture_output=True, text=True, check=True).stdout


def files_in(iso: Path, read_fs: str = "any") -> list[str]:
    out = xorriso("-read_fs", read_fs, "-indev", str(iso), "-find", "/", "-type", "f")
    return sorted(line.strip("'") for line in out.splitlines())


def extract(iso: Path, dest: Path) -> Path:
    xorriso("-osirrox", "on", "-indev", str(iso), "-extract", "/", str(dest))
    return dest


@pytest.fixture
def drive_with_license(tmp_path: Path) -> Path:
    path = tmp_path / "fgt-a.iso"
    write_config_drive(path, USER_DATA, LICENSE)
    return path


def test_volume_label_is_config_2(drive_with_license: Path) -> None:
    assert "Volume Id    : config-2\n" in xorriso("-indev", str(drive_with_license), "-pvd_info")


def test_rock_ridge_joliet_and_iso9660_names(drive_with_license: Path) -> None:
    expected = ["/openstack/content/0000", "/openstack/latest/meta_data.json", "/openstack/latest/user_data"]
    assert files_in(drive_with_license) == expected  # Rock Ridge
    assert files_in(drive_with_license, "norock") == expected  # Joliet
    assert files_in(drive_with_license, "ecma119") == [
        "/OPENSTACK/CONTENT/0000",
        "/OPENSTACK/LATEST/META_DAT.JSO",
        "/OPENSTACK/LATEST/USER_DAT",
    ]


def test_contents_read_back(drive_with_license: Path, tmp_path: Path) -> None:
    root = extract(drive_with_license, tmp_path / "x")
    assert (root / "openstack/latest/user_data").read_text() == USER_DATA
    assert (root / "openstack/content/0000").read_text() == LICENSE
    meta = json.loads((root / "openstack/latest/meta_data.json").read_text())
    assert meta == {"files": [{"path": "license", "content_path": "/content/0000"}]}


def test_without_license_there_is_no_content_folder(tmp_path: Path) -> None:
    path = tmp_path / "fgt-b.iso"
    write_config_drive(path, USER_DATA)
    assert files_in(path) == ["/openstack/latest/meta_data.json", "/openstack/latest/user_data"]
    assert json.loads((extract(path, tmp_path / "x") / "openstack/latest/meta_data.json").read_text()) == {}


def test_byte_identical_across_time_and_time_zones() -> None:
    first = build_config_drive(USER_DATA, LICENSE)
    time.sleep(1.1)
    assert build_config_drive(USER_DATA, LICENSE) == first
    code = f"import sys; from fgtha.configdrive import build_config_drive; sys.stdout.buffer.write(build_config_drive({USER_DATA!r}, {LICENSE!r}))"
    other_zone = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, env={**os.environ, "TZ": "Asia/Kolkata"}
    ).stdout
    assert other_zone == first
    assert build_config_drive(USER_DATA + "x", LICENSE) != first


def test_pycdlib_clock_is_restored_after_a_build() -> None:
    build_config_drive(USER_DATA)
    import pycdlib.pycdlib

    assert pycdlib.pycdlib.time is time


def test_info_matches_the_file_and_mode_is_0600(tmp_path: Path) -> None:
    path = tmp_path / "fgt-a.iso"
    path.write_bytes(b"old")
    path.chmod(0o644)
    old_umask = os.umask(0)
    try:
        info = write_config_drive(path, USER_DATA, LICENSE)
    finally:
        os.umask(old_umask)
    data = path.read_bytes()
    assert (info.size, info.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert path.stat().st_mode & 0o777 == 0o600


def test_failure_before_replace_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "fgt-a.iso"
    path.write_bytes(b"old image")

    def refuse(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomicfile.os, "replace", refuse)
    with pytest.raises(OSError):
        write_config_drive(path, USER_DATA)
    assert path.read_bytes() == b"old image"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fgt-a.iso"]


def test_unwritable_target_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "busy.iso"
    target.mkdir()
    (target / "keep").write_text("x")  # a non-empty folder in the way: the rename fails for root too
    with pytest.raises(OSError):
        write_config_drive(target, USER_DATA)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy.iso"]
    with pytest.raises(OSError):
        write_config_drive(tmp_path / "missing" / "x.iso", USER_DATA)
    assert not (tmp_path / "missing").exists()


def test_cli_parser_does_not_import_pycdlib() -> None:
    """Every `fgtha` command builds the parser; only the ones that write an image may pay for pycdlib."""
    code = "import sys, fgtha.cli; fgtha.cli.build_parser(); print('pycdlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
