"""kvmhost_config_drive end to end: the image is real (read back with xorriso), its secrets stay out of plans."""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tfharness import Terraform, provider_block, reattached_provider

ADDR = "kvmhost_config_drive.fgt_a"
USER_DATA = "config system global\n    set hostname fgt-a-S3CRET-USERDATA\nend\n"
LICENSE = "-----BEGIN FGT VM LICENSE-----\nL1CENCE-S3CRET\n-----END FGT VM LICENSE-----\n"


@pytest.fixture(scope="module")
def provider_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("provider") / "stderr.log"


@pytest.fixture(scope="module")
def provider_env(provider_log: Path) -> Iterator[dict[str, str]]:
    with reattached_provider(provider_log) as env:
        yield env


def drive_config(path: Path, **drive: Any) -> dict[str, Any]:
    values = {"path": str(path), "user_data": USER_DATA, "license": LICENSE, **drive}
    return {**provider_block(), "resource": {"kvmhost_config_drive": {"fgt_a": values}}}


def iso_file(image: Path, inside: str, out: Path) -> str:
    subprocess.run(
        ["xorriso", "-osirrox", "on", "-indev", str(image), "-extract", inside, str(out)],
        check=True,
        capture_output=True,
    )
    return out.read_text()


def volume_id(image: Path) -> str:
    done = subprocess.run(["xorriso", "-indev", str(image), "-pvd_info"], check=True, capture_output=True, text=True)
    return next(line.split(":", 1)[1].strip() for line in done.stdout.splitlines() if line.startswith("Volume Id"))


@pytest.fixture
def workdir(tmp_path: Path, provider_env: dict[str, str]) -> Terraform:
    tf = Terraform(tmp_path / "tf", provider_env)
    tf.write(drive_config(tmp_path / "fgt-a.iso"))
    tf.init()
    return tf


def test_apply_writes_the_config_drive(workdir: Terraform, tmp_path: Path) -> None:
    workdir.apply()
    image = tmp_path / "fgt-a.iso"
    assert stat.S_IMODE(image.stat().st_mode) == 0o600
    assert volume_id(image) == "config-2"
    assert iso_file(image, "/openstack/latest/user_data", tmp_path / "ud") == USER_DATA
    assert iso_file(image, "/openstack/content/0000", tmp_path / "lic") == LICENSE
    state = workdir.state()[ADDR]
    assert state["size"] == image.stat().st_size and len(state["sha256"]) == 64
    assert workdir.plan().code == 0

    workdir.write(drive_config(image, user_data=USER_DATA.replace("fgt-a", "fgt-b")))
    plan = workdir.plan()
    assert plan.code == 2 and "updated in-place" in plan.stdout
    workdir.apply()
    assert "fgt-b" in iso_file(image, "/openstack/latest/user_data", tmp_path / "ud2")
    workdir.destroy()
    assert not image.exists()


def test_secrets_never_reach_plan_output(workdir: Terraform, tmp_path: Path, provider_log: Path) -> None:
    """Plan, apply and `show` print no secret. `show -json` is Terraform's machine format: it carries every
    value, secrets included (as the state does), and marks the sensitive ones; it is no review output."""
    secrets = ("S3CRET-USERDATA", "L1CENCE-S3CRET")
    plan = workdir.plan("-out=tfplan")
    human = workdir.run("show", "-no-color", "tfplan").stdout
    applied = workdir.apply()
    assert "config drive" in provider_log.read_text(), "the provider logs its writes (to stderr)"
    for text in (plan.output, human, applied.output, provider_log.read_text()):
        assert not any(s in text for s in secrets)
    assert "(sensitive value)" in plan.stdout
    change = json.loads(workdir.run("show", "-json", "tfplan").stdout)["resource_changes"][0]["change"]
    assert change["after_sensitive"] == {"user_data": True, "license": True}


def test_deleted_or_altered_file_is_recreated(workdir: Terraform, tmp_path: Path) -> None:
    image = tmp_path / "fgt-a.iso"
    workdir.apply()
    image.unlink()
    plan = workdir.plan()
    assert plan.code == 2 and f"{ADDR} will be created" in plan.stdout
    workdir.apply()
    assert volume_id(image) == "config-2"
    image.write_bytes(image.read_bytes()[:-1] + b"x")
    plan = workdir.plan()
    assert plan.code == 2 and f"{ADDR} will be created" in plan.stdout
    workdir.apply()
    assert workdir.plan().code == 0


def test_relative_path_names_the_attribute(tmp_path: Path, provider_env: dict[str, str]) -> None:
    tf = Terraform(tmp_path / "tf", provider_env)
    tf.write(
        {
            **drive_config(tmp_path),
            "resource": {"kvmhost_config_drive": {"fgt_a": {"path": "fgt-a.iso", "user_data": USER_DATA}}},
        }
    )
    tf.init()
    plan = tf.plan(check=False)
    assert plan.code == 1 and "kvmhost_config_drive: path: must be absolute" in plan.stderr
    assert "S3CRET" not in plan.output


def test_missing_folder_is_created_private(tmp_path: Path, provider_env: dict[str, str]) -> None:
    image = tmp_path / "drives" / "nested" / "fgt-a.iso"
    tf = Terraform(tmp_path / "tf", provider_env)
    tf.write(drive_config(image))
    tf.init()
    tf.apply()
    assert volume_id(image) == "config-2"
    assert stat.S_IMODE(image.parent.stat().st_mode) == 0o700


def test_version_0_state_is_upgraded_without_warning(workdir: Terraform) -> None:
    workdir.apply()
    state_file = workdir.workdir / "terraform.tfstate"
    state = json.loads(state_file.read_text())
    instance = state["resources"][0]["instances"][0]
    instance["schema_version"] = 0
    del instance["attributes"]["id"]  # version 0 had no id
    state["serial"] += 1
    state_file.write_text(json.dumps(state))
    plan = workdir.plan()
    assert plan.code == 0 and "Warning" not in plan.output and "default upgrade" not in plan.output
    workdir.apply("-refresh-only")
    upgraded = json.loads(state_file.read_text())["resources"][0]["instances"][0]
    assert upgraded["schema_version"] == 1 and upgraded["attributes"]["id"] == instance["attributes"]["path"]


def test_refined_unknown_user_data_is_planned_then_applied(tmp_path: Path, provider_env: dict[str, str]) -> None:
    """``"prefix-${other.sha256}"`` reaches the provider as msgpack extension 12 at plan time: it is an unknown."""
    tf = Terraform(tmp_path / "tf", provider_env)
    config = drive_config(tmp_path / "a.iso")
    config["resource"]["kvmhost_config_drive"]["b"] = {
        "path": str(tmp_path / "b.iso"),
        "user_data": "# follows ${kvmhost_config_drive.fgt_a.sha256}\n",
    }
    tf.write(config)
    tf.init()
    assert tf.plan().code == 2
    tf.apply()
    state = tf.state()
    expected = f"# follows {state[ADDR]['sha256']}\n"
    assert iso_file(tmp_path / "b.iso", "/openstack/latest/user_data", tmp_path / "ud") == expected
    assert tf.plan().code == 0


def test_failed_write_logs_only_the_exception_type(
    tmp_path: Path, provider_env: dict[str, str], provider_log: Path
) -> None:
    """The provider's stderr is Terraform's log: a failure there names its kind, never its text or a traceback."""
    image = tmp_path / "fgt-a.iso"
    image.mkdir()
    (image / "keep").write_text("x")  # a folder in the way: the rename fails
    tf = Terraform(tmp_path / "tf", provider_env)
    tf.write(drive_config(image))
    tf.init()
    logged_before = len(provider_log.read_text())
    applied = tf.run("apply", "-auto-approve", "-no-color", check=False)
    assert applied.code == 1 and "kvmhost_config_drive: create failed" in applied.stderr
    log = provider_log.read_text()[logged_before:]
    assert "kvmhost_config_drive create failed: IsADirectoryError" in log
    assert "Traceback" not in log and "Is a directory" not in log
    assert not any(s in log + applied.output for s in ("S3CRET-USERDATA", "L1CENCE-S3CRET"))
