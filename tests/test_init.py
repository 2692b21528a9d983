"""`fgtha init DIR`: a ready site repository, from this source tree and from an installed wheel of the product."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, REPO
from postgres import Server, available, temporary_postgres
from test_app import ENV, stacks, synth
from test_model_rules import BROADCAST, mutate
from test_state_backends import check_pg_state, deploy_and_check_shared_state

FGTHA = REPO / ".venv" / "bin" / "fgtha"
SITE_FILES = {
    ".github/workflows/deploy.yml",
    ".github/workflows/plan.yml",
    ".gitignore",
    "Makefile",
    "README.md",
    "cdktf.json",
    "main.py",
    "package.json",
    "requirements.txt",
}


def init(*args: str | Path, fgtha: Path = FGTHA) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(fgtha), "init", *map(str, args)], capture_output=True, text=True, env=ENV, stdin=subprocess.DEVNULL
    )


def files_of(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("shape", "example", "spec"),
    [("unicast", "unicast-two-hosts", "fgt-ha"), ("broadcast", "broadcast-one-host", "fgt-lab")],
)
def test_init_writes_a_site_whose_starting_spec_is_the_shipped_shape(
    tmp_path: Path, shape: str, example: str, spec: str
) -> None:
    site = tmp_path / "site"
    done = init(site, "--shape", shape)
    assert done.returncode == 0, done.stderr
    assert files_of(site) == SITE_FILES | {f"clusters/{spec}.yaml"}
    text = (site / "clusters" / f"{spec}.yaml").read_text()
    assert text.startswith(f"# {spec}: two FortiGate-VMs") and "fgtha validate" in text
    assert yaml.safe_load(text) == yaml.safe_load((EXAMPLES / f"{example}.yaml").read_text())
    assert (site / "main.py").read_text() == (REPO / "main.py").read_text()
    config = json.loads((site / "cdktf.json").read_text())
    assert config["app"] == ".venv/bin/python main.py"
    assert config["context"] == {"fgtha": {"specs": ["clusters/*.yaml"], "state": {"local": {}}}}
    assert (site / "requirements.txt").read_text().splitlines()[-1] == "fgt-kvm-ha==0.1.0"
    assert json.loads((site / "package.json").read_text())["devDependencies"] == {"cdktf-cli": "0.21.0"}
    ignored = (site / ".gitignore").read_text().splitlines()
    assert {"/.fgtha/", "*.tfstate", "*.tfplan", "cdktf.out/", "*.iso", "*.lic", ".venv/"} <= set(ignored)


def test_the_workflows_plan_on_pull_request_and_deploy_the_reviewed_plan_with_approval(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert init(site, "--shape", "unicast").returncode == 0
    plan = yaml.safe_load((site / ".github/workflows/plan.yml").read_text())
    assert list(plan[True]) == ["pull_request"]  # YAML 1.1 reads the key `on` as true
    steps = [s.get("run", "") for s in plan["jobs"]["plan"]["steps"]]
    assert any("fgtha plan > plan-report.md" in s for s in steps)
    assert any("gh pr comment" in s and "--body-file plan-report.md" in s for s in steps)
    deploy = yaml.safe_load((site / ".github/workflows/deploy.yml").read_text())
    assert deploy[True] == {"push": {"branches": ["main"]}}
    apply = deploy["jobs"]["apply"]
    assert apply["needs"] == "plan" and apply["environment"] == "production"
    assert any("fgtha apply" in s.get("run", "") for s in apply["steps"])
    assert deploy["concurrency"]["cancel-in-progress"] is False
    for workflow in (plan, deploy):
        assert workflow["env"]["CDKTF_DISABLE_PLUGIN_CACHE_ENV"] == "1"
        assert all("${{ secrets." in v for k, v in workflow["env"].items() if k.startswith("TF_VAR_"))


def test_init_refuses_a_non_empty_folder_unless_forced(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "notes.txt").write_text("mine")
    done = init(site)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "error DIR: " in done.stderr and "is not empty" in done.stderr and "--force" in done.stderr
    assert files_of(site) == {"notes.txt"}
    assert init(site, "--force").returncode == 0
    assert files_of(site) == SITE_FILES | {"clusters/fgt-ha.yaml", "notes.txt"}


def _on_a_terminal(site: Path, answers: str) -> tuple[int, str]:
    """``fgtha init SITE`` with its stdin and stdout on a pseudo-terminal, typing ``answers``."""
    parent, child = pty.openpty()
    proc = subprocess.Popen([str(FGTHA), "init", str(site)], stdin=child, stdout=child, stderr=subprocess.PIPE, env=ENV)
    os.close(child)
    os.write(parent, answers.encode())
    output = b""
    while True:
        try:
            chunk = os.read(parent, 4096)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        output += chunk
    os.close(parent)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    return proc.wait(timeout=120), output.decode(errors="replace") + err


def test_on_a_terminal_init_asks_for_the_starting_spec(tmp_path: Path) -> None:
    code, output = _on_a_terminal(tmp_path / "site", "broadcast\nlab-7\n33\nkvm7\n192.0.2.31/24\n192.0.2.32/24\n\n")
    assert code == 0, output
    assert "cluster name [fgt-lab]" in output and "FGCP group-id" in output
    spec = yaml.safe_load((tmp_path / "site" / "clusters" / "lab-7.yaml").read_text())
    assert spec["cluster"]["name"] == "lab-7" and spec["cluster"]["group_id"] == 33
    assert spec["hosts"][0]["name"] == "kvm7" and {u["host"] for u in spec["units"]} == {"kvm7"}
    assert [u["mgmt_ip"] for u in spec["units"]] == ["192.0.2.31/24", "192.0.2.32/24"]


def test_a_bad_answer_is_refused_with_its_field_and_nothing_is_written(tmp_path: Path) -> None:
    code, output = _on_a_terminal(tmp_path / "site", "unicast\nfgt-ha\n5000\n\n\n\n\n\n")
    assert code == 2, output
    assert "cluster.group_id: Input should be less than or equal to 1023" in output and "Traceback" not in output
    assert not (tmp_path / "site").exists() or not any((tmp_path / "site").iterdir())


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The product built as a wheel from a copy of this tree and installed into a fresh virtualenv (deps from pip)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    skip = shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "cdktf.out", ".fgtha", "build", "*.egg-info", "__pycache__"
    )
    shutil.copytree(REPO, source, ignore=skip)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (work / "dist").glob("fgt_kvm_ha-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
    done = subprocess.run([str(work / "venv/bin/pip"), "install", "-q", str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    yield work / "venv" / "bin"


def test_from_the_wheel_init_and_synth_two_clusters_with_pg_state(wheel_venv: Path, tmp_path: Path) -> None:
    """The issue's "done when": a site made by `fgtha init` from the wheel, two specs, pg state; its network
    stack deployed with its state in a real PostgreSQL, locked against a concurrent apply."""
    site = tmp_path / "site"
    done = init(site, "--shape", "unicast", fgtha=wheel_venv / "fgtha")
    assert done.returncode == 0, done.stderr
    lab = mutate(BROADCAST, {"hosts[0].name": "kvm3", "units": lambda us: [{**u, "host": "kvm3"} for u in us]})
    (site / "clusters" / "fgt-lab.yaml").write_text(yaml.safe_dump(lab))
    config = json.loads((site / "cdktf.json").read_text())
    config["context"]["fgtha"]["state"] = {"pg": {}}
    (site / "cdktf.json").write_text(json.dumps(config))
    done = synth(site, wheel_venv / "python")
    assert done.returncode == 0, done.stderr
    found = stacks(site)
    assert sorted(found) == [
        "fgt-ha-ha",
        "fgt-ha-network-kvm1",
        "fgt-ha-network-kvm2",
        "fgt-ha-units",
        "fgt-lab-ha",
        "fgt-lab-network-kvm3",
        "fgt-lab-units",
    ]
    for name, stack in found.items():
        assert stack["terraform"]["backend"] == {"pg": {"schema_name": "fgtha_" + name.replace("-", "_")}}
    if not available():
        pytest.skip("PostgreSQL is not installed: run `make setup` as root")
    shutil.rmtree(site / "cdktf.out")
    from netns import temporary_netns

    server: Server
    with temporary_postgres() as server, temporary_netns() as netns:
        deploy_and_check_shared_state(site, netns, {"PG_CONN_STR": server.conn_str}, wheel_venv)
        check_pg_state(site, server)
