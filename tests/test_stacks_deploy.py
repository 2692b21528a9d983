"""The host-network stack for real: `cdktf diff` / `cdktf deploy` with the embedded Terraform and our
kvmhost provider inside a network namespace, then `plan-report` on a real follow-up plan."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, REPO
from netns import ip
from tfharness import installed_provider

CDKTF = REPO / "node_modules" / ".bin" / "cdktf"
VENV_BIN = REPO / ".venv" / "bin"
STACK = "fgt-ha-network-kvm1"

APP = """
import os, sys
from pathlib import Path
from typing import Any
from fgtha.spec.model import load_spec
from fgtha_constructs.cdk import App
from fgtha.project import LocalState, State
from fgtha_stacks.cluster_stacks import StackOptions, add_cluster
app = App()
state = State(local=LocalState(dir=str(Path.cwd() / "state")))
add_cluster(app, load_spec("spec.yaml"), StackOptions(state=state, netns=os.environ["FGTHA_TEST_NETNS"]))
app.synth()
"""

pytestmark = pytest.mark.skipif(not CDKTF.exists(), reason="cdktf-cli is not installed: run `make setup`")


def _provider_cli_config(folder: Path) -> str:
    """The CLI config that `fgtha provider install` writes for a filesystem mirror holding kvmhost."""
    return installed_provider(folder / "mirror")["TF_CLI_CONFIG_FILE"]


@pytest.fixture
def project(tmp_path: Path, netns: str) -> tuple[Path, dict[str, str]]:
    """A cdktf project of the example's stacks acting in ``netns``, whose host has the example's uplinks."""
    for i in range(1, 5):
        ip("link", "add", f"enp{i}s0", "type", "veth", "peer", "name", f"peer{i}", netns=netns)
    (tmp_path / "spec.yaml").write_text((EXAMPLES / "unicast-two-hosts.yaml").read_text())
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "cdktf.json").write_text(json.dumps({"language": "python", "app": f"{VENV_BIN / 'python'} app.py"}))
    env = {
        **os.environ,
        "FGTHA_TEST_NETNS": netns,
        "TF_CLI_CONFIG_FILE": _provider_cli_config(tmp_path),
        "TERRAFORM_BINARY_NAME": str(VENV_BIN / "fgtha-terraform"),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CHECKPOINT_DISABLE": "1",
        # cdktf-cli's default plugin cache (~/.terraform.d/plugin-cache) is shared by every virtualenv of the
        # user, and kvmhost's package differs per virtualenv (its script names that venv's Python)
        "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",
        "CI": "1",
        "FORCE_COLOR": "0",
    }
    return tmp_path, env


def cdktf(folder: Path, env: dict[str, str], *args: str) -> str:
    """cdktf-cli on the stack, with provider locking as users run it (no --skip-provider-lock)."""
    done = subprocess.run([str(CDKTF), *args, STACK], cwd=folder, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def terraform(folder: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "fgtha-terraform"), f"-chdir={folder / 'cdktf.out' / 'stacks' / STACK}", *args],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


_FLAGS = ("type", "required", "optional", "computed", "sensitive")


def _flags(block: dict[str, Any]) -> dict[str, Any]:
    return {name: {k: a.get(k) for k in _FLAGS} for name, a in block["attributes"].items()}


def test_the_kvmhost_schema_subset_matches_the_real_provider(tmp_path: Path) -> None:
    """constructs/bindings/schemas/kvmhost.schema.json is hand-written: compare it with `terraform providers schema -json`."""
    from fgtha_constructs.bindings.schema_check import SCHEMA_DIR

    env = {**os.environ, "TF_CLI_CONFIG_FILE": _provider_cli_config(tmp_path), "CHECKPOINT_DISABLE": "1"}
    source = "fgt-kvm-ha.local/fgt-kvm-ha/kvmhost"
    (tmp_path / "main.tf.json").write_text(
        json.dumps({"terraform": {"required_providers": {"kvmhost": {"source": source}}}})
    )
    tf = [str(VENV_BIN / "fgtha-terraform"), f"-chdir={tmp_path}"]
    subprocess.run([*tf, "init", "-input=false"], env=env, check=True, capture_output=True)
    real = json.loads(
        subprocess.run(
            [*tf, "providers", "schema", "-json"], env=env, check=True, capture_output=True, text=True
        ).stdout
    )
    ours = json.loads((SCHEMA_DIR / "kvmhost.schema.json").read_text())
    real_p, ours_p = real["provider_schemas"][source], ours["provider_schemas"][source]
    assert _flags(ours_p["provider"]["block"]) == _flags(real_p["provider"]["block"])
    assert sorted(ours_p["resource_schemas"]) == sorted(real_p["resource_schemas"])
    for rtype, schema in ours_p["resource_schemas"].items():
        assert _flags(schema["block"]) == _flags(real_p["resource_schemas"][rtype]["block"]), rtype


def test_diff_deploy_and_report_the_host_network_stack(project: tuple[Path, dict[str, str]], netns: str) -> None:
    folder, env = project
    subprocess.run([str(VENV_BIN / "python"), "app.py"], cwd=folder, env=env, check=True, capture_output=True)
    locked = subprocess.run(
        # only this stack: the others need libvirt and fortios, and tests never reach a registry
        [str(VENV_BIN / "fgtha"), "provider", "lock", "--mirror", str(folder / "mirror"), f"cdktf.out/stacks/{STACK}"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )
    assert locked.returncode == 0, locked.stderr
    lock_file = folder / "cdktf.out" / "stacks" / STACK / ".terraform.lock.hcl"
    assert 'provider "fgt-kvm-ha.local/fgt-kvm-ha/kvmhost"' in lock_file.read_text()
    assert "4 to add" in cdktf(folder, env, "diff")
    assert ip("link", "show", "br-ext", netns=netns, check=False).returncode != 0  # diff changed nothing

    cdktf(folder, env, "deploy", "--auto-approve")
    for i, bridge in enumerate(("br-ext", "br-int", "br-hb", "br-mgmt"), start=1):
        assert f"master {bridge}" in ip("link", "show", f"enp{i}s0", netns=netns).stdout

    spec = yaml.safe_load((folder / "spec.yaml").read_text())
    spec["hosts"][0]["bridges"][0]["mtu"] = 1400
    (folder / "spec.yaml").write_text(yaml.safe_dump(spec))
    subprocess.run([str(VENV_BIN / "python"), "app.py"], cwd=folder, env=env, check=True, capture_output=True)
    terraform(folder, env, "plan", "-input=false", "-out=plan.bin")
    plan_json = folder / f"{STACK}.json"
    plan_json.write_text(terraform(folder, env, "show", "-json", "plan.bin"))
    report = subprocess.run(
        [str(VENV_BIN / "fgtha"), "plan-report", str(plan_json)], capture_output=True, text=True, check=True
    ).stdout
    assert f"## Stack `{STACK}`" in report
    assert "**0** to create, **1** to change, **0** to replace, **0** to destroy" in report
    assert "> - change `kvmhost_bridge.network_br-ext_" in report
    assert "| mtu | 1500 | 1400 |" in report
