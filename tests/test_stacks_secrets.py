"""The secret variables' validation, run by the real (embedded) Terraform."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO
from test_stacks import spec_of, synth_all

TERRAFORM = REPO / ".venv" / "bin" / "fgtha-terraform"


@pytest.fixture(scope="module")
def variables_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The units stack's variable blocks alone (no providers needed), initialized."""
    folder = tmp_path_factory.mktemp("vars")
    units = synth_all(spec_of("unicast-two-hosts"))["fgt-ha-units"]
    (folder / "main.tf.json").write_text(json.dumps({"variable": units["variable"]}))
    subprocess.run([str(TERRAFORM), f"-chdir={folder}", "init", "-input=false"], check=True, capture_output=True)
    return folder


def plan(folder: Path, ha_password: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_VAR_fgt_ha_password": ha_password, "TF_VAR_fgt_admin_password": "Adm1n-ok"}
    return subprocess.run(
        [str(TERRAFORM), f"-chdir={folder}", "plan", "-input=false", "-no-color"],
        capture_output=True,
        text=True,
        env=env,
    )


def test_a_quotable_secret_is_accepted(variables_only: Path) -> None:
    done = plan(variables_only, "S3cret pass-phrase with spaces & $ signs")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("bad", ['has"quote', "back\\slash", "new\nline", "tab\there", ""])
def test_an_unquotable_secret_is_refused_naming_the_variable(variables_only: Path, bad: str) -> None:
    done = plan(variables_only, bad)
    assert done.returncode == 1
    assert "var.fgt_ha_password" in done.stderr and "no double quote, backslash, newline" in done.stderr
    if bad:
        assert bad not in done.stdout + done.stderr


def test_an_overlong_ha_password_is_refused(variables_only: Path) -> None:
    assert plan(variables_only, "x" * 128).returncode == 0
    done = plan(variables_only, "x" * 129)
    assert done.returncode == 1 and "at most 128 characters" in done.stderr
