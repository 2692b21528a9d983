"""The synthesized stacks of ``cdktf.out``: their deploy order, and plan / apply of saved plans with the embedded Terraform.

Order comes from cdktf's ``manifest.json`` (each stack's ``dependencies``): network -> units -> ha for every
cluster. Saved plans hold sensitive values in plain text (Terraform's format), so they go into a folder of
mode 0700 as ``<stack>.tfplan`` (mode 0600), with ``<stack>.json`` (``terraform show -json``) beside them for
the report; the file names are the stack names.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..atomicfile import atomic_write
from .env import terraform_env
from .lock import terraform_executable


class StackRunError(Exception):
    """A Terraform run on a stack failed, or the stacks are not there."""


def deploy_order(outdir: Path) -> list[str]:
    """Every stack of ``outdir/manifest.json``, each after the stacks it depends on (then by name)."""
    try:
        manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    except OSError:
        raise StackRunError(f"no {outdir}/manifest.json: run `cdktf synth` (or python main.py) first") from None
    depends = {name: set(stack.get("dependencies", [])) for name, stack in manifest.get("stacks", {}).items()}
    order: list[str] = []
    while len(order) < len(depends):
        ready = sorted(n for n, d in depends.items() if n not in order and d <= set(order))
        if not ready:
            raise StackRunError(f"{outdir}/manifest.json: the stacks depend on each other in a circle")
        order += ready
    return order


def select(order: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """``wanted`` (all when empty) in deploy order; an unknown name is an error."""
    unknown = sorted(set(wanted) - set(order))
    if unknown:
        raise StackRunError(f"no such stack: {', '.join(unknown)} (stacks: {', '.join(order)})")
    return [name for name in order if not wanted or name in wanted]


def _terraform(folder: Path, *args: str) -> str:
    done = subprocess.run(
        [terraform_executable(), f"-chdir={folder}", *args],
        env={**terraform_env(), "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise StackRunError(f"{folder.name}: terraform {args[0]} failed:\n{done.stderr or done.stdout}")
    return done.stdout


def _private(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def plan_stack(outdir: Path, stack: str, plans: Path, *, destroy: bool = False) -> dict[str, Any]:
    """``init``, ``plan -out=<plans>/<stack>.tfplan`` and its ``show -json`` (saved beside it); the JSON plan."""
    folder = outdir / "stacks" / stack
    _private(plans)
    planfile = plans / f"{stack}.tfplan"
    _terraform(folder, "init", "-input=false", "-no-color")
    _terraform(
        folder, "plan", "-input=false", "-no-color", "-lock-timeout=300s", f"-out={planfile}", *(["-destroy"] * destroy)
    )
    os.chmod(planfile, 0o600)
    text = _terraform(folder, "show", "-json", str(planfile))
    atomic_write(plans / f"{stack}.json", text.encode())
    return dict(json.loads(text))


def apply_stack(outdir: Path, stack: str, plans: Path) -> str:
    """Apply the saved plan of ``stack`` (Terraform refuses it when the state moved since); Terraform's output."""
    planfile = plans / f"{stack}.tfplan"
    if not planfile.is_file():
        raise StackRunError(f"{stack}: no saved plan {planfile}: run `fgtha plan` first")
    folder = outdir / "stacks" / stack
    _terraform(folder, "init", "-input=false", "-no-color")
    return _terraform(folder, "apply", "-input=false", "-no-color", "-lock-timeout=300s", str(planfile))
