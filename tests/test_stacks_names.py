"""Names at the model's limits still make files: stack folders, state files and config drives, all written for real."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_model_rules import UNICAST, mutate
from test_stacks_injection import drives_only
from tfharness import Terraform, reattached_provider

from fgtha.project import LocalState, State
from fgtha.spec.facts import FILE_NAME_MAX_BYTES, FORTIOS_HOSTNAME_MAX, NAME_MAX
from fgtha.spec.model import ClusterSpec
from fgtha.spec.problems import SpecError
from fgtha_constructs.cdk import App
from fgtha_stacks.cluster_stacks import StackOptions, add_cluster

#: The highest pid Linux hands out (``pid_max`` on 64-bit): the widest pid in an atomic writer's temp name.
PID_MAX = 4194304


def longest_names(cluster: int = NAME_MAX) -> dict[str, Any]:
    """The example with every name that a file name is made of at its longest."""
    changes: dict[str, Any] = {
        "cluster.name": "c" * cluster,
        "cluster.group_name": "g",  # the default (the cluster name) is limited to 32 characters
        "hosts[0].name": "a" * NAME_MAX,
        "hosts[1].name": "b" * NAME_MAX,
        "units[0].name": "u" * FORTIOS_HOSTNAME_MAX,
        "units[1].name": "v" * FORTIOS_HOSTNAME_MAX,
    }
    changes |= {"units[0].host": "a" * NAME_MAX, "units[1].host": "b" * NAME_MAX}
    return mutate(UNICAST, changes)


def test_a_name_beyond_the_models_limit_is_refused_before_synth() -> None:
    for too_long in (NAME_MAX + 1, 10_000):
        with pytest.raises(SpecError) as error:
            ClusterSpec.model_validate(longest_names(cluster=too_long))
        assert [p.path for p in error.value.problems] == ["cluster.name"]


def _written(path: Path) -> Path:
    """``path``, after checking that the file system holds a file of that name (no ENAMETOOLONG)."""
    assert path.is_file(), path
    assert len(path.name.encode()) <= FILE_NAME_MAX_BYTES
    return path


def test_the_longest_names_synthesize_and_terraform_writes_their_state_and_config_drives(tmp_path: Path) -> None:
    spec = ClusterSpec.model_validate(longest_names())
    out, state, drives = tmp_path / "cdktf.out", tmp_path / "state", tmp_path / "drives"
    app = App(outdir=str(out))
    stacks = add_cluster(app, spec, StackOptions(state=State(local=LocalState(dir=str(state))), drive_dir=str(drives)))
    app.synth()
    names = [s.node.id for s in (*stacks.networks.values(), stacks.units, stacks.ha) if s is not None]
    synthesized = {name: json.loads(_written(out / "stacks" / name / "cdk.tf.json").read_text()) for name in names}

    # The local backend's files of every stack: the state, its backup and the lock Terraform holds while applying.
    for name, stack in synthesized.items():
        tf = Terraform(tmp_path / "backend" / name)
        tf.write({"terraform": {"backend": stack["terraform"]["backend"]}, "output": {"o": {"value": 1}}})
        tf.init()
        tf.apply()
        tf.write({"terraform": {"backend": stack["terraform"]["backend"]}, "output": {"o": {"value": 2}}})
        tf.apply()
        _written(state / f"{name}.tfstate")
        _written(state / f"{name}.tfstate.backup")
        assert len(f".{name}.tfstate.lock.info".encode()) <= FILE_NAME_MAX_BYTES

    # The config drives, written by the real provider through the atomic writer.
    units = synthesized[f"{spec.cluster.name}-units"]
    drives.mkdir()
    with reattached_provider() as provider_env:
        tf = Terraform(
            tmp_path / "drives-apply", {**provider_env, "TF_VAR_fgt_ha_password": "p", "TF_VAR_fgt_admin_password": "p"}
        )
        tf.write(drives_only(units))
        tf.init()
        tf.apply()
    for unit in spec.units:
        iso = _written(drives / f"{spec.cluster.name}-{unit.name}-config-2.iso")
        assert len(f".{iso.name}.{PID_MAX}.{'0' * 8}.tmp".encode()) <= FILE_NAME_MAX_BYTES
