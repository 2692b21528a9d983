"""Shared state for a team, for real: a site with two clusters whose network stack is applied with its state in
PostgreSQL (a throwaway server) or in an http state service (on loopback), a concurrent apply refused by the
lock, and a fresh checkout that plans no change; the s3 settings accepted by Terraform's own s3 backend."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from httpstate import state_service
from netns import ip
from postgres import Server, available, temporary_postgres
from test_app import ENV, make_site, synth
from tfharness import BIN

from fgtha.terraform.env import terraform_env

STACK = "fgt-ha-network-kvm1"
SCHEMA = "fgtha_fgt_ha_network_kvm1"
PASSWORD = "Pg-S3cret-only-in-the-environment"


@pytest.fixture
def server() -> Iterator[Server]:
    if not available():
        pytest.skip("PostgreSQL is not installed: run `make setup` as root")
    with temporary_postgres() as running:
        yield running


def stack_dir(site: Path, netns: str) -> Path:
    """The synthesized stack, plus a test-only override file that points its kvmhost provider into ``netns``."""
    folder = site / "cdktf.out" / "stacks" / STACK
    override = {"provider": {"kvmhost": [{"alias": "host_kvm1", "netns": netns}]}}
    (folder / "netns_override.tf.json").write_text(json.dumps(override))
    return folder


def tf(folder: Path, env: dict[str, str], *args: str, bin_dir: Path = BIN) -> subprocess.CompletedProcess[str]:
    """The embedded Terraform of the virtualenv ``bin_dir`` in ``folder``."""
    return subprocess.run(
        [str(bin_dir / "fgtha-terraform"), f"-chdir={folder}", *args, "-no-color"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def provider_config(bin_dir: Path, mirror: Path) -> dict[str, str]:
    """``fgtha provider install`` of the virtualenv ``bin_dir``; the environment selecting its CLI config."""
    done = subprocess.run(
        [str(bin_dir / "fgtha"), "provider", "install", "--mirror", str(mirror)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return {"TF_CLI_CONFIG_FILE": done.stdout.strip()}


def _until_prompt(proc: subprocess.Popen[bytes]) -> str:
    """Read the apply's output until it asks for approval (it then holds the state lock)."""
    assert proc.stdout is not None
    seen = b""
    deadline = time.monotonic() + 240  # a guard against a hang, not a timed assertion
    while b"Enter a value:" not in seen:
        assert proc.poll() is None, seen.decode(errors="replace")
        assert time.monotonic() < deadline, seen.decode(errors="replace")
        ready, _, _ = select.select([proc.stdout], [], [], 1)
        if ready:
            seen += os.read(proc.stdout.fileno(), 65536)
    return seen.decode(errors="replace")


def apply_while_another_holds_the_lock(folder: Path, env: dict[str, str], bin_dir: Path) -> None:
    """Apply, and while that apply waits for its approval (holding the lock), try a second one: it is refused."""
    first = subprocess.Popen(
        [str(bin_dir / "fgtha-terraform"), f"-chdir={folder}", "apply", "-no-color"],
        env={**env, "TF_IN_AUTOMATION": ""},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert "4 to add" in _until_prompt(first)
        second = tf(folder, env, "apply", "-auto-approve", "-input=false", "-lock-timeout=0s", bin_dir=bin_dir)
        assert second.returncode == 1
        assert "Error acquiring the state lock" in second.stderr, second.stdout + second.stderr
        assert first.stdin is not None and first.stdout is not None
        first.stdin.write(b"yes\n")
        first.stdin.close()
        output = first.stdout.read().decode()
        assert first.wait(timeout=300) == 0, output
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert "Apply complete! Resources: 4 added" in output


def deploy_and_check_shared_state(site: Path, netns: str, env: dict[str, str], bin_dir: Path = BIN) -> None:
    """A site of two clusters with shared state: its network stack applied under a held lock, then a fresh
    checkout that plans no change; with the product of the virtualenv ``bin_dir``."""
    for i in range(1, 5):
        ip("link", "add", f"enp{i}s0", "type", "veth", "peer", "name", f"peer{i}", netns=netns)
    done = synth(site, bin_dir / "python", **env)
    assert done.returncode == 0, done.stderr
    provider = provider_config(bin_dir, site.parent / "mirror")
    env = terraform_env({**ENV, **env, **provider, "TF_IN_AUTOMATION": "1"})
    folder = stack_dir(site, netns)
    done = tf(folder, env, "init", "-input=false", bin_dir=bin_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    apply_while_another_holds_the_lock(folder, env, bin_dir)
    for i, bridge in enumerate(("br-ext", "br-int", "br-hb", "br-mgmt"), start=1):
        assert f"master {bridge}" in ip("link", "show", f"enp{i}s0", netns=netns).stdout
    assert [p.relative_to(site).as_posix() for p in site.rglob("*.tfstate")] == [
        f"cdktf.out/stacks/{STACK}/.terraform/terraform.tfstate"  # Terraform's backend settings cache, no state
    ]

    fresh = site.parent / "fresh"  # a fresh checkout: no cdktf.out, no .terraform, no local state
    fresh.mkdir()
    for name in ("cdktf.json", "main.py", "clusters"):
        (shutil.copytree if (site / name).is_dir() else shutil.copy)(site / name, fresh / name)
    assert synth(fresh, bin_dir / "python").returncode == 0
    folder = stack_dir(fresh, netns)
    assert tf(folder, env, "init", "-input=false", bin_dir=bin_dir).returncode == 0
    plan = tf(folder, env, "plan", "-input=false", "-detailed-exitcode", "-lock-timeout=30s", bin_dir=bin_dir)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout


def test_pg_state_a_network_stack_applied_locked_and_planned_again_from_a_fresh_checkout(
    tmp_path: Path, netns: str, server: Server
) -> None:
    site = make_site(tmp_path / "site", {"state": {"pg": {}}})
    deploy_and_check_shared_state(site, netns, {"PG_CONN_STR": f"{server.conn_str} password={PASSWORD}"})
    check_pg_state(site, server)


def check_pg_state(site: Path, server: Server) -> None:
    """One schema per stack holds the network stack's state; the connection string's password is in no file."""
    assert json.loads((site / "cdktf.out" / "stacks" / STACK / "cdk.tf.json").read_text())["terraform"]["backend"] == {
        "pg": {"schema_name": SCHEMA}
    }
    assert server.sql(f"select name from {SCHEMA}.states") == "default"  # one schema per stack
    assert json.loads(server.sql(f"select data from {SCHEMA}.states"))["serial"] >= 1
    for path in site.rglob("*"):  # the connection string's password (trust auth ignores it) is nowhere
        assert not path.is_file() or PASSWORD.encode() not in path.read_bytes(), path


def test_http_state_a_network_stack_applied_locked_and_planned_again_from_a_fresh_checkout(
    tmp_path: Path, netns: str
) -> None:
    with state_service() as (url, store):
        site = make_site(tmp_path / "site", {"state": {"http": {"address": f"{url}/state/{{stack}}"}}})
        deploy_and_check_shared_state(site, netns, {})
        assert sorted(store.states) == [f"/state/{STACK}"] and not store.locks
        assert json.loads(store.states[f"/state/{STACK}"])["resources"]


def _s3_init(folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``terraform init`` of a stack with the s3 backend, its S3 endpoint on a loopback port nobody listens on."""
    aws = {
        "AWS_ACCESS_KEY_ID": "AKIDFGTHATEST",
        "AWS_SECRET_ACCESS_KEY": "not-a-secret",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
        "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    skips = ("skip_credentials_validation=true", "skip_requesting_account_id=true", "use_path_style=true")
    return tf(folder, {**env, **aws}, "init", "-input=false", *(f"-backend-config={s}" for s in skips))


def test_s3_settings_pass_terraforms_own_s3_backend_and_a_wrong_one_does_not(tmp_path: Path) -> None:
    """No S3 here: the s3 backend accepting the settings and going on to list the bucket is what can be shown."""
    s3 = {"bucket": "fgtha-state", "region": "eu-west-1", "key_prefix": "sites/lab"}
    site = make_site(tmp_path / "site", {"state": {"s3": s3}})
    assert synth(site).returncode == 0
    env = terraform_env({**ENV, **provider_config(BIN, tmp_path / "mirror"), "TF_IN_AUTOMATION": "1"})
    folder = site / "cdktf.out" / "stacks" / STACK
    done = _s3_init(folder, env)
    assert done.returncode == 1
    assert 'Unable to list objects in S3 bucket "fgtha-state"' in done.stderr, done.stderr
    assert "127.0.0.1:9" in done.stderr and "Unsupported argument" not in done.stderr

    stack = json.loads((folder / "cdk.tf.json").read_text())
    stack["terraform"]["backend"]["s3"]["use_lockfile"] = "maybe"  # a wrong value Terraform itself must refuse
    (folder / "cdk.tf.json").write_text(json.dumps(stack))
    shutil.rmtree(folder / ".terraform", ignore_errors=True)
    wrong = _s3_init(folder, env)
    assert wrong.returncode == 1 and "Incorrect attribute value type" in wrong.stderr, wrong.stderr
    assert "Unable to list objects" not in wrong.stderr
    # Terraform ignores unknown keys in a JSON backend block (measured: `use_lock_file` passes); the settings
    # model refuses them instead (tests/test_app.py)
