"""Provider locks of synthesized stacks: mirrored providers from the filesystem mirror, the rest from their registries.

``terraform providers lock`` asks each provider's origin registry unless told otherwise, and
``fgt-kvm-ha.local`` has none; cdktf-cli runs exactly that when a stack's ``.terraform.lock.hcl`` lacks a
provider (unless ``--skip-provider-lock``). Locking each stack here first, with ``-fs-mirror`` for the
providers the mirror holds, leaves cdktf nothing to lock, so ``cdktf diff/deploy`` run without that flag.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Collection, Sequence
from pathlib import Path

from .env import terraform_env

#: Platforms locked for registry providers by default: what cdktf-cli itself locks.
DEFAULT_PLATFORMS = ("linux_amd64",)


class LockError(Exception):
    """Terraform could not lock a stack's providers."""


def terraform_executable() -> str:
    """The embedded Terraform's command line (``fgtha-terraform``) of this installation."""
    beside = Path(sys.executable).parent / "fgtha-terraform"
    return str(beside) if beside.is_file() else (shutil.which("fgtha-terraform") or "fgtha-terraform")


def required_sources(stack_dir: Path) -> list[str]:
    """The source addresses a synthesized stack (``cdk.tf.json``) requires."""
    config = json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
    required = config.get("terraform", {}).get("required_providers", {})
    return sorted({p["source"] for p in required.values() if isinstance(p, dict) and "source" in p})


def lock_arguments(
    sources: Sequence[str], mirrored: Collection[str], mirror: Path, platforms: Sequence[str] = DEFAULT_PLATFORMS
) -> list[list[str]]:
    """The ``terraform`` argument lists that lock ``sources``: one run for the mirror, one for the registries."""
    ours = [s for s in sources if s in mirrored]
    others = [s for s in sources if s not in mirrored]
    runs = []
    if ours:
        runs.append(["providers", "lock", f"-fs-mirror={mirror}", *ours])
    if others:
        runs.append(["providers", "lock", *(f"-platform={p}" for p in platforms), *others])
    return runs


def lock_stack(
    stack_dir: Path, mirrored: Collection[str], mirror: Path, platforms: Sequence[str] = DEFAULT_PLATFORMS
) -> None:
    """Write ``stack_dir/.terraform.lock.hcl`` for every provider of the stack; :class:`LockError` on failure."""
    for args in lock_arguments(required_sources(stack_dir), mirrored, mirror, platforms):
        done = subprocess.run(
            [terraform_executable(), f"-chdir={stack_dir}", *args, "-no-color"],
            env=terraform_env(),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            detail = " ".join((done.stderr or done.stdout).split())[-600:]
            raise LockError(f"{stack_dir.name}: terraform {' '.join(args[:2])} failed: {detail}")
