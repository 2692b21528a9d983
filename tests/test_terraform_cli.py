"""`fgtha-terraform` gives the embedded Terraform the environment it asks for, even one the caller lacks.

Terraform (Go) sees only the environment its process started with; these run `fgtha-terraform` from an
environment without ``CHECKPOINT_DISABLE`` or a CLI config, with no network at all (``unshare -n``: a broken
build fails to resolve the checkpoint host locally instead of sending anything).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tfharness import TERRAFORM


def _terraform(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CHECKPOINT_DISABLE", "TF_CLI_CONFIG_FILE")}
    return subprocess.run(
        ["unshare", "-n", TERRAFORM, *args],
        cwd=tmp_path,
        env={**base, "TF_LOG": "trace", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_checkpoint_call_and_a_cli_config_of_its_own(tmp_path: Path) -> None:
    done = _terraform(tmp_path, "version")
    assert done.returncode == 0, done.stderr
    assert "Terraform v1.15.5" in done.stdout
    assert "checkpoint" not in done.stderr.lower()
    config = re.search(r"Loading CLI configuration from (\S+)", done.stderr)
    assert config and re.fullmatch(r".*/fgtha-[^/]*\.tfrc", config.group(1)), done.stderr
    assert not Path(config.group(1)).exists()  # removed once Terraform is done


def test_exit_code_passes_through(tmp_path: Path) -> None:
    assert _terraform(tmp_path, "no-such-command").returncode == 1
    assert _terraform(tmp_path, "version", CHECKPOINT_DISABLE="1").returncode == 0
