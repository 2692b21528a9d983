"""The shipped two-host example's host-network stacks from one machine: one `cdktf deploy` of both over SSH."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, REPO
from netns import ip
from sshhost import SshHost, ssh_host
from tfharness import installed_provider

CDKTF = REPO / "node_modules" / ".bin" / "cdktf"
VENV_BIN = REPO / ".venv" / "bin"
STACKS = ("fgt-ha-network-kvm1", "fgt-ha-network-kvm2")
BRIDGES = ("br-ext", "br-int", "br-hb", "br-mgmt")

APP = """
from pathlib import Path
from fgtha.spec.model import load_spec
from fgtha_constructs.cdk import App
from fgtha.project import LocalState, State
from fgtha_stacks.cluster_stacks import StackOptions, add_cluster
app = App()
add_cluster(app, load_spec("spec.yaml"), StackOptions(state=State(local=LocalState(dir=str(Path.cwd() / "state")))))
app.synth()
"""

pytestmark = pytest.mark.skipif(
    not (CDKTF.exists() and Path("/usr/sbin/sshd").exists()), reason="cdktf-cli or openssh-server: run `make setup`"
)


def cdktf(folder: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(CDKTF), *args, *STACKS], cwd=folder, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def masters(host: SshHost) -> dict[str, str | None]:
    links = json.loads(ip("-j", "link", "show", netns=host.netns).stdout)
    return {link["ifname"]: link.get("master") for link in links}


def test_one_cdktf_deploy_makes_each_hosts_bridges_on_that_host(tmp_path: Path) -> None:
    with ssh_host("kvm1") as kvm1, ssh_host("kvm2") as kvm2:
        spec = yaml.safe_load((EXAMPLES / "unicast-two-hosts.yaml").read_text())
        for entry, host in zip(spec["hosts"], (kvm1, kvm2)):
            entry["uri"] = host.uri
            for i in range(1, 5):
                ip("link", "add", f"enp{i}s0", "type", "veth", "peer", "name", f"peer{i}", netns=host.netns)
        (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
        (tmp_path / "app.py").write_text(APP)
        (tmp_path / "cdktf.json").write_text(json.dumps({"language": "python", "app": f"{VENV_BIN / 'python'} app.py"}))
        env = {
            **os.environ,
            **installed_provider(tmp_path / "mirror"),
            "TERRAFORM_BINARY_NAME": str(VENV_BIN / "fgtha-terraform"),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "CHECKPOINT_DISABLE": "1",
            "CDKTF_DISABLE_PLUGIN_CACHE_ENV": "1",
            "CI": "1",
            "FORCE_COLOR": "0",
        }
        subprocess.run([str(VENV_BIN / "python"), "app.py"], cwd=tmp_path, env=env, check=True, capture_output=True)
        stacks = [f"cdktf.out/stacks/{s}" for s in STACKS]  # only these: the others need registries tests never reach
        lock = [str(VENV_BIN / "fgtha"), "provider", "lock", "--mirror", str(tmp_path / "mirror"), *stacks]
        subprocess.run(lock, cwd=tmp_path, env=env, check=True, capture_output=True)
        cdktf(tmp_path, env, "deploy", "--auto-approve")
        for host in (kvm1, kvm2):
            found = masters(host)
            assert all(found[f"enp{i}s0"] == bridge for i, bridge in enumerate(BRIDGES, start=1)), found
        here = {line.split(":")[1].strip() for line in ip("-o", "link").stdout.splitlines()}
        assert not here & set(BRIDGES), "nothing on the machine that runs cdktf"
        assert "No changes" in cdktf(tmp_path, env, "diff")
        for stack in STACKS:  # each host stack on its own (cdktf destroy would want the units stack too)
            done = subprocess.run(
                [str(VENV_BIN / "fgtha-terraform"), f"-chdir=cdktf.out/stacks/{stack}", "destroy", "-auto-approve"],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        for host in (kvm1, kvm2):
            assert not set(masters(host)) & set(BRIDGES)
