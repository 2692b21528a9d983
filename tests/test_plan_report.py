"""`fgtha plan-report` on real plans of the embedded Terraform (built-in ``terraform_data``, no registry)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from fgtha.terraform.plan_report import render_report

TERRAFORM = REPO / ".venv" / "bin" / "fgtha-terraform"
FGTHA = REPO / ".venv" / "bin" / "fgtha"
SECRET = "plan-S3cret-value"


def terraform(folder: Path, *args: str) -> str:
    env = {**os.environ, "TF_VAR_secret": SECRET, "TF_IN_AUTOMATION": "1"}
    done = subprocess.run([str(TERRAFORM), f"-chdir={folder}", *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def config(keep: str, replace_trigger: str, extra: bool) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "kept": {"input": {"name": keep, "password": "${var.secret}"}},
        "swapped": {"input": "x", "triggers_replace": [replace_trigger]},
        "gone": {"input": "bye"},
    }
    if extra:
        resources.pop("gone")
        resources["added"] = {"input": '${sensitive("hidden-on-create")}'}
    return {"variable": {"secret": {"type": "string", "sensitive": True}}, "resource": {"terraform_data": resources}}


@pytest.fixture(scope="module")
def real_plan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("tf")
    (folder / "main.tf.json").write_text(json.dumps(config("a", "one", extra=False)))
    terraform(folder, "init", "-input=false")
    terraform(folder, "apply", "-input=false", "-auto-approve")
    (folder / "main.tf.json").write_text(json.dumps(config("b", "two", extra=True)))
    terraform(folder, "plan", "-input=false", "-out=plan.bin")
    plan = json.loads(terraform(folder, "show", "-json", "plan.bin"))
    assert SECRET in json.dumps(plan["variables"])  # the raw plan does hold it; the report must not
    return plan


def test_counts_and_call_outs_of_a_real_plan(real_plan: dict[str, Any]) -> None:
    report = render_report({"demo": real_plan})
    assert "## Stack `demo`" in report
    assert "**1** to create, **1** to change, **1** to replace, **1** to destroy" in report
    assert "> - `terraform_data.swapped` because of `triggers_replace`" in report
    assert "| change | `terraform_data.kept` | input | (sensitive) | (sensitive) |" in report
    assert "Host network changes" not in report


def test_sensitive_values_never_appear(real_plan: dict[str, Any]) -> None:
    report = render_report({"demo": real_plan})
    assert SECRET not in report and "hidden-on-create" not in report
    assert "|  |  | input | — | (sensitive) |" in report.split("terraform_data.added")[1]


def test_host_network_changes_are_called_out(real_plan: dict[str, Any]) -> None:
    plan = json.loads(json.dumps(real_plan))
    for rc in plan["resource_changes"]:
        if rc["name"] == "gone":
            rc["type"], rc["address"] = "kvmhost_bridge", "kvmhost_bridge.br_ext"
    report = render_report({"net": plan})
    assert "> - destroy `kvmhost_bridge.br_ext`" in report


def test_the_command_names_stacks_after_files_and_refuses_a_non_plan(real_plan: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "fgt-ha-units.json").write_text(json.dumps(real_plan))
    (tmp_path / "empty.json").write_text(json.dumps({**real_plan, "resource_changes": []}))
    done = subprocess.run(
        [str(FGTHA), "plan-report", "fgt-ha-units.json", "empty.json"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "## Stack `fgt-ha-units`" in done.stdout and "No changes." in done.stdout
    (tmp_path / "bad.json").write_text("{not json")
    done = subprocess.run([str(FGTHA), "plan-report", "bad.json"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2 and "bad.json: not JSON" in done.stderr


def _replace(rtype: str, address: str, name: str, path: str) -> dict[str, Any]:
    """One resource change as `terraform show -json` writes a replacement (libvirt cannot be installed here)."""
    values = {"name": name, "id": "x"}
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "change": {
            "actions": ["delete", "create"],
            "before": values,
            "after": {"name": name},
            "replace_paths": [[path]],
        },
    }


def test_a_replaced_domain_or_disk_is_called_out_as_a_unit_reboot() -> None:
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            _replace("libvirt_domain", "libvirt_domain.units_fgt-a_domain_1", "fgt-a", "devices"),
            _replace("libvirt_volume", "libvirt_volume.units_fgt-b_config_volume_2", "fgt-b-config-2.iso", "create"),
            _replace("libvirt_volume", "libvirt_volume.units_fgt-b_boot_3", "fgt-b-boot.qcow2", "backing_store"),
            _replace("terraform_data", "terraform_data.other", "fgt-c", "input"),
        ],
    }
    report = render_report({"fgt-ha-units": plan})
    assert "> **Unit reboots**" in report and "boots from its config drive" in report
    assert "> - unit `fgt-a`: `libvirt_domain.units_fgt-a_domain_1`" in report
    assert (
        "> - unit `fgt-b`: `libvirt_volume.units_fgt-b_config_volume_2`, `libvirt_volume.units_fgt-b_boot_3`" in report
    )
    assert "unit `fgt-c`" not in report
    assert "Unit reboots" not in render_report({"x": {**plan, "resource_changes": plan["resource_changes"][3:]}})
