"""constructs/cdk.py, the one seam to the CDK runtime: cdktf 0.21 or CDK Terrain (cdktn), chosen by FGTHA_CDK or by
what is installed; the synthesized stacks say which one wrote them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from test_app import ENV, make_site, stacks, synth
from test_model_rules import UNICAST, mutate

from fgtha_constructs import cdk


def test_the_runtime_is_the_chosen_or_the_installed_one() -> None:
    assert cdk.RUNTIME == os.environ.get("FGTHA_CDK", cdk.RUNTIME)
    assert cdk.App.__module__.split(".")[0] == cdk.RUNTIME


def test_the_stacks_carry_the_runtimes_version(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", specs={"a": mutate(UNICAST, {})})
    assert synth(site).returncode == 0
    versions = {s["//"]["metadata"]["version"] for s in stacks(site).values()}
    assert versions == {metadata.version(cdk.RUNTIME)}


def test_an_unknown_runtime_is_refused_by_name() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import fgtha_constructs.cdk"],
        env={**ENV, "FGTHA_CDK": "cdk8s"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "FGTHA_CDK='cdk8s': choose one of cdktf, cdktn" in done.stderr
    assert json.dumps(cdk.RUNTIMES) == '["cdktf", "cdktn"]'
