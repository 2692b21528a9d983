"""`fgtha plan`, `fgtha apply` and `fgtha plan-report`: saved plans of the synthesized stacks, in deploy order, and their review."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.markup import escape

from ..cli import command_help, err_console
from ..project import find_root
from ..spec.problems import Problem, SpecError
from ..terraform.plan_report import render_report
from ..terraform.stacks import StackRunError, apply_stack, deploy_order, plan_stack, select


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the plan-report command."""
    p = sub.add_parser("plan-report", help=command_help("plan-report"))
    p.add_argument(
        "plans",
        nargs="+",
        type=Path,
        metavar="PLAN.json",
        help="a stack's plan; named by the stack folder it sits in (cdktf.out/stacks/<stack>/), else by its file name",
    )
    p.set_defaults(func=plan_report)

    p = sub.add_parser(
        "plan",
        help=command_help("plan"),
        description="Saved plans hold secrets: they go to DIR (mode 0700) as <stack>.tfplan and <stack>.json.",
    )
    p.add_argument("stacks", nargs="*", metavar="STACK", help="default: every stack of cdktf.out")
    p.add_argument("--out", type=Path, metavar="DIR", help="where the plans go (default .fgtha/plans)")
    p.add_argument("--destroy", action="store_true", help="plan the destruction of the stacks (in reverse order)")
    p.set_defaults(func=plan)

    p = sub.add_parser("apply", help=command_help("apply"))
    p.add_argument("stacks", nargs="*", metavar="STACK", help="default: every stack with a saved plan")
    p.add_argument("--plans", type=Path, metavar="DIR", help="the saved plans (default .fgtha/plans)")
    p.set_defaults(func=apply)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError([Problem(str(path), f"cannot read: {exc.strerror or exc}")]) from None
    except json.JSONDecodeError as exc:
        raise SpecError(
            [Problem(str(path), f"not JSON (line {exc.lineno}): write it with `terraform show -json PLANFILE`")]
        ) from None
    if not isinstance(data, dict) or "format_version" not in data:
        raise SpecError([Problem(str(path), "not a plan in `terraform show -json` form")])
    return data


def stack_name(path: Path) -> str:
    """The stack a plan file belongs to: the stack folder it sits in (holding cdk.tf.json), else its file name."""
    for folder in path.resolve().parents:
        if (folder / "cdk.tf.json").is_file():
            return folder.name
    return path.name.removesuffix(".json")


def plan_report(args: argparse.Namespace) -> int:
    """Print the report to stdout."""
    plans = {stack_name(path): _load(path) for path in args.plans}
    sys.stdout.write(render_report(plans))
    return 0


def _outdir() -> Path:
    return find_root() / "cdktf.out"


def _plans(folder: Path | None) -> Path:
    return folder or find_root() / ".fgtha" / "plans"


def _failed(exc: StackRunError) -> int:
    err_console.print(f"[bold red]error[/] {escape(str(exc))}", markup=True)
    return 1


def plan(args: argparse.Namespace) -> int:
    """Plan each stack (a destroy plan: in reverse order); print the report of all of them."""
    outdir, plans = _outdir(), _plans(args.out)
    try:
        names = select(deploy_order(outdir), args.stacks)
        found = {
            name: plan_stack(outdir, name, plans, destroy=args.destroy) for name in names[:: -1 if args.destroy else 1]
        }
    except StackRunError as exc:
        return _failed(exc)
    sys.stdout.write(render_report(found))
    return 0


def _only_removes(plan: dict[str, Any]) -> bool:
    return all(rc["change"]["actions"] in (["delete"], ["no-op"], ["read"]) for rc in plan.get("resource_changes", []))


def apply(args: argparse.Namespace) -> int:
    """Apply each saved plan in deploy order (reverse order when every plan only removes); stop at a failure."""
    outdir, plans = _outdir(), _plans(args.plans)
    try:
        order = deploy_order(outdir)
        names = select(order, args.stacks) if args.stacks else [n for n in order if (plans / f"{n}.tfplan").is_file()]
        if not names:
            raise StackRunError(f"no saved plan in {plans}: run `fgtha plan` first")
        if all(_only_removes(_load(plans / f"{n}.json")) for n in names):
            names.reverse()  # what depends on a stack goes first
        for name in names:
            sys.stdout.write(apply_stack(outdir, name, plans))
            (plans / f"{name}.tfplan").unlink()  # applied: a saved plan is good once
    except StackRunError as exc:
        return _failed(exc)
    return 0
