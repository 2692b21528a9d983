"""The product's app (fgtha_stacks.app): specs and state chosen in cdktf.json, through `python main.py` and `cdktf synth`."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, REPO
from test_model_rules import BROADCAST, UNICAST, mutate

PYTHON = Path(sys.executable)  # this virtualenv: the cdktf one, or the cdktn one (make test-cdktn)
CDKTF = REPO / "node_modules" / ".bin" / "cdktf"
ENV = {
    **{k: v for k, v in os.environ.items() if k not in ("FGTHA_SPECS", "CDKTF_OUTDIR", "FORCE_COLOR")},
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "CHECKPOINT_DISABLE": "1",
    "CI": "1",
    "NO_COLOR": "1",
}


def make_site(folder: Path, fgtha: dict[str, Any] | None = None, specs: dict[str, Any] | None = None) -> Path:
    """A site repository: cdktf.json with ``context.fgtha``, the shipped main.py, ``clusters/<name>.yaml``."""
    folder.mkdir(parents=True, exist_ok=True)
    config = {"language": "python", "app": f"{PYTHON} main.py", "context": {"fgtha": fgtha or {}}}
    (folder / "cdktf.json").write_text(json.dumps(config))
    shutil.copy(REPO / "main.py", folder / "main.py")
    (folder / "clusters").mkdir(exist_ok=True)
    for name, data in (specs if specs is not None else {"a": mutate(UNICAST, {}), "b": mutate(BROADCAST, {})}).items():
        (folder / "clusters" / f"{name}.yaml").write_text(yaml.safe_dump(data))
    return folder


def synth(site: Path, python: Path = PYTHON, **env: str) -> subprocess.CompletedProcess[str]:
    """``python <site>/main.py`` run from another folder (the app finds its repository by main.py)."""
    return subprocess.run(
        [str(python), str(site / "main.py")], cwd=site.parent, env={**ENV, **env}, capture_output=True, text=True
    )


def stacks(site: Path) -> dict[str, dict[str, Any]]:
    out = site / "cdktf.out" / "stacks"
    return {d.name: json.loads((d / "cdk.tf.json").read_text()) for d in sorted(out.iterdir())}


def backend(stack: dict[str, Any]) -> dict[str, Any]:
    return dict(stack["terraform"]["backend"])


def test_every_spec_of_the_default_glob_gets_its_own_stacks_and_local_state_in_a_private_folder(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    done = synth(site)
    assert done.returncode == 0, done.stderr
    found = stacks(site)
    assert sorted(found) == [
        "fgt-ha-ha",
        "fgt-ha-network-kvm1",
        "fgt-ha-network-kvm2",
        "fgt-ha-units",
        "fgt-lab-ha",
        "fgt-lab-network-kvm1",
        "fgt-lab-units",
    ]
    for name, stack in found.items():
        assert backend(stack) == {"local": {"path": f"../../../.fgtha/state/{name}.tfstate"}}
    for private in (site / ".fgtha" / "state", site / "cdktf.out"):
        assert stat.S_IMODE(private.stat().st_mode) == 0o700, private


def test_fgtha_specs_overrides_the_configured_specs_for_one_run(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {"specs": ["clusters/a.yaml"]})
    assert synth(site).returncode == 0
    assert {s.split("-")[1] for s in stacks(site)} == {"ha"}
    shutil.rmtree(site / "cdktf.out")
    assert synth(site, FGTHA_SPECS="clusters/b.yaml").returncode == 0
    assert sorted(stacks(site)) == ["fgt-lab-ha", "fgt-lab-network-kvm1", "fgt-lab-units"]


def _validate_lines(site: Path, *specs: str) -> list[str]:
    done = subprocess.run(
        [str(REPO / ".venv/bin/fgtha"), "validate", *specs], cwd=site, capture_output=True, text=True, env=ENV
    )
    assert done.returncode == 2
    return [line for line in done.stderr.splitlines() if not line.startswith("warning")]


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        ({"a": mutate(UNICAST, {"units[1].heartbeat_ip": "10.9.0.2/30"})}, "error units[1].heartbeat_ip: "),
        (
            {"a": mutate(UNICAST, {}), "b": mutate(BROADCAST, {"cluster.name": "fgt-ha", "cluster.group_id": 11})},
            "error cluster.name: 'fgt-ha' is also the cluster of clusters/a.yaml",
        ),
        (
            {"a": mutate(UNICAST, {}), "b": mutate(BROADCAST, {"cluster.group_id": 10})},
            "error cluster.group_id: group-id 10 is also used by fgt-ha (clusters/a.yaml) on kvm1 NIC enp1s0",
        ),
    ],
    ids=["bad-field", "one-cluster-name-twice", "one-group-id-on-one-segment"],
)
def test_a_bad_site_prints_what_validate_prints_and_exits_2(
    tmp_path: Path, specs: dict[str, Any], expected: str
) -> None:
    site = make_site(tmp_path / "site", specs=specs)
    done = synth(site)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert expected in done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("warning")]
    assert lines == _validate_lines(site, *(f"clusters/{name}.yaml" for name in specs))
    assert not (site / "cdktf.out").exists()


@pytest.mark.parametrize(
    ("fgtha", "expected"),
    [
        ({"state": {"s3": {"bucket": "b"}}}, "error context.fgtha.state.s3.region: required field is missing"),
        ({"state": {"pg": {"conn_str": "postgres://u:pw@db/x"}}}, "conn_str holds a password: leave it out"),
        ({"state": {"local": {}, "pg": {}}}, "choose one backend, not local and pg"),
        (
            {"state": {"s3": {"bucket": "bb", "region": "r", "use_lock_file": True}}},
            "error context.fgtha.state.s3.use_lock_file: unknown field",
        ),
        ({"state": {"http": {"address": "https://tf.example/state"}}}, "must contain {stack}"),
        ({"specs": ["clusterz/*.yaml"]}, "error context.fgtha.specs: 'clusterz/*.yaml' matches no file"),
    ],
    ids=["s3-without-region", "pg-conn-str", "two-backends", "s3-typo", "http-without-stack", "no-match"],
)
def test_a_bad_setting_names_its_path_in_cdktf_json_and_exits_2(
    tmp_path: Path, fgtha: dict[str, Any], expected: str
) -> None:
    done = synth(make_site(tmp_path / "site", fgtha))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert expected in done.stderr
    assert "postgres://u:pw" not in done.stdout + done.stderr


def test_a_pg_schema_postgresql_would_truncate_is_refused(tmp_path: Path) -> None:
    long_name = mutate(UNICAST, {"cluster.name": "c" * 50, "cluster.group_name": "short"})
    done = synth(make_site(tmp_path / "site", {"state": {"pg": {}}}, {"a": long_name}))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "error context.fgtha.state.pg.schema_prefix: schema 'fgtha_ccc" in done.stderr
    assert "longer than PostgreSQL's 63 characters" in done.stderr


def test_each_backend_gives_each_stack_its_own_state_and_no_secret_reaches_cdktf_out(tmp_path: Path) -> None:
    conn = "postgres://fgtha:Pg-S3cret-never-in-out@db.example/tf"
    site = make_site(tmp_path / "pg", {"state": {"pg": {}}})
    assert synth(site, PG_CONN_STR=conn).returncode == 0
    found = stacks(site)
    assert {n: backend(s) for n, s in found.items()} == {
        n: {"pg": {"schema_name": "fgtha_" + n.replace("-", "_")}} for n in found
    }
    for path in (site / "cdktf.out").rglob("*"):
        assert not path.is_file() or "Pg-S3cret" not in path.read_text(), path

    s3 = {"bucket": "fgtha-state", "region": "eu-west-1", "key_prefix": "sites/lab"}
    found = stacks(site) if synth(site := make_site(tmp_path / "s3", {"state": {"s3": s3}})).returncode == 0 else {}
    assert backend(found["fgt-ha-units"]) == {
        "s3": {
            "bucket": "fgtha-state",
            "key": "sites/lab/fgt-ha-units.tfstate",
            "region": "eu-west-1",
            "encrypt": True,
            "use_lockfile": True,
        }
    }
    http = {"address": "https://tf.example/state/{stack}", "lock_address": "https://tf.example/state/{stack}/lock"}
    site = make_site(tmp_path / "http", {"state": {"http": http}})
    assert synth(site).returncode == 0
    assert backend(stacks(site)["fgt-lab-ha"])["http"] == {
        "address": "https://tf.example/state/fgt-lab-ha",
        "lock_address": "https://tf.example/state/fgt-lab-ha/lock",
        "unlock_address": "https://tf.example/state/fgt-lab-ha",
        "lock_method": "LOCK",
        "unlock_method": "UNLOCK",
        "skip_cert_verification": False,
    }


def test_the_shipped_repository_synthesizes_its_example(tmp_path: Path) -> None:
    site = tmp_path / "repo"
    site.mkdir()
    for name in ("main.py", "cdktf.json"):
        shutil.copy(REPO / name, site / name)
    shutil.copytree(EXAMPLES, site / "examples")
    assert synth(site).returncode == 0
    assert sorted(stacks(site)) == ["fgt-ha-ha", "fgt-ha-network-kvm1", "fgt-ha-network-kvm2", "fgt-ha-units"]


@pytest.mark.skipif(not CDKTF.exists(), reason="cdktf-cli is not installed: run `make setup`")
def test_cdktf_synth_runs_the_same_app_and_shows_the_same_problem_lines(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    done = subprocess.run([str(CDKTF), "synth"], cwd=site, env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(stacks(site)) == 7
    bad = make_site(tmp_path / "bad", specs={"a": mutate(UNICAST, {"units[1].heartbeat_ip": "10.9.0.2/30"})})
    done = subprocess.run([str(CDKTF), "synth"], cwd=bad, env=ENV, capture_output=True, text=True)
    assert done.returncode != 0  # cdktf-cli turns every failed app into exit code 1
    out = done.stdout + done.stderr
    assert "Traceback" not in out
    for line in _validate_lines(bad, "clusters/a.yaml"):
        assert line.strip() in out


def _protected(site: Path) -> dict[str, list[str]]:
    """Per stack, the resources that carry ``lifecycle.prevent_destroy``."""
    return {
        name: sorted(
            f"{rtype}.{rid}"
            for rtype, items in stack.get("resource", {}).items()
            for rid, body in items.items()
            if body.get("lifecycle", {}).get("prevent_destroy") is True
        )
        for name, stack in stacks(site).items()
    }


def test_boot_volumes_and_ha_settings_refuse_destroy_unless_allowed_explicitly(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", specs={"a": mutate(UNICAST, {})})
    assert synth(site).returncode == 0
    protected = _protected(site)
    assert [r.split(".")[0] for r in protected["fgt-ha-units"]] == ["libvirt_volume", "libvirt_volume"]
    assert all("_boot_" in r for r in protected["fgt-ha-units"])
    assert [r.split(".")[0] for r in protected["fgt-ha-ha"]] == ["fortios_system_ha", "fortios_system_ha"]
    assert protected["fgt-ha-network-kvm1"] == []
    shutil.rmtree(site / "cdktf.out")
    assert synth(site, FGTHA_ALLOW_DESTROY="1").returncode == 0
    assert not any(_protected(site).values())
    allowed = make_site(tmp_path / "allowed", {"allow_destroy": True}, specs={"a": mutate(UNICAST, {})})
    assert synth(allowed).returncode == 0
    assert not any(_protected(allowed).values())
