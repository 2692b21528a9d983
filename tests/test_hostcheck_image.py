"""host check compares the boot image's virtual size (qemu-img info) with image.boot_disk_gib."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_model_rules import BROADCAST, mutate

from fgtha.hostcheck.check import image_finding
from fgtha.spec.model import ClusterSpec

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img missing: run make setup")


def _spec(image: Path, boot_disk_gib: int) -> ClusterSpec:
    return ClusterSpec.model_validate(
        mutate(BROADCAST, {"image.path": str(image), "image.boot_disk_gib": boot_disk_gib})
    )


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "fortios.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "3G"], check=True)
    return path


def test_a_boot_disk_smaller_than_the_image_fails_naming_the_field(image: Path) -> None:
    finding = image_finding(_spec(image, 2).image)
    assert finding.status == "fail"
    assert finding.detail.startswith("image.boot_disk_gib: 2 GiB is smaller than")
    assert finding.detail.endswith("set at least 3")


def test_a_boot_disk_as_large_as_the_image_passes(image: Path) -> None:
    assert image_finding(_spec(image, 3).image).status == "ok"


def test_an_image_elsewhere_is_not_checked(tmp_path: Path) -> None:
    assert image_finding(_spec(tmp_path / "absent.qcow2", 2).image).status == "not checked"
