"""`fgtha provider install`: make terraform-provider-kvmhost installable by `terraform init` with no registry."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from ..cli import command_help, err_console
from ..project import find_root
from ..spec.problems import Problem, SpecError
from ..terraform.lock import DEFAULT_PLATFORMS, LockError, lock_stack


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the provider command group."""
    p = sub.add_parser("provider", help=command_help("provider"))
    group = p.add_subparsers(dest="provider_command", required=True, metavar="SUBCOMMAND")
    install = group.add_parser(
        "install",
        help="install kvmhost into a filesystem_mirror and print the path of the CLI config that selects it",
        description="Use it as: TF_CLI_CONFIG_FILE=$(fgtha provider install) terraform init",
    )
    install.add_argument(
        "--mirror",
        metavar="DIR",
        type=Path,
        help="mirror folder (default: .fgtha/provider-mirror in the repository of cdktf.json)",
    )
    install.set_defaults(func=run_install)
    lock = group.add_parser(
        "lock",
        help="write each synthesized stack's .terraform.lock.hcl: kvmhost from the mirror, the rest from registries",
        description="Run after `cdktf synth`; then `cdktf diff/deploy` need no --skip-provider-lock.",
    )
    lock.add_argument("stacks", nargs="*", type=Path, metavar="STACK_DIR", help="default: every cdktf.out/stacks/*")
    lock.add_argument(
        "--mirror", metavar="DIR", type=Path, help="mirror folder (default: .fgtha/provider-mirror in the repository)"
    )
    lock.add_argument(
        "--platform",
        action="append",
        metavar="OS_ARCH",
        help=f"platform for registry providers (repeatable; default {' '.join(DEFAULT_PLATFORMS)})",
    )
    lock.set_defaults(func=run_lock)


def run_install(args: argparse.Namespace) -> int:
    """Install, then print only the CLI config's path on stdout."""
    from fgtha_provider.install import install

    try:
        config = install(args.mirror)
    except OSError as exc:
        err_console.print(f"[bold red]error[/] provider install: {exc}", markup=True)
        return 1
    print(config)
    return 0


def run_lock(args: argparse.Namespace) -> int:
    """Install kvmhost into the mirror (so its checksum is current), then lock every stack given."""
    from fgtha_provider import SOURCE_ADDRESS
    from fgtha_provider.install import default_mirror, install

    mirror = (args.mirror or default_mirror()).resolve()
    stacks = args.stacks or sorted(p.parent for p in (find_root() / "cdktf.out" / "stacks").glob("*/cdk.tf.json"))
    if not stacks:
        raise SpecError([Problem("STACK_DIR", "no synthesized stack: run `cdktf synth` (or python main.py) first")])
    try:
        install(mirror)
        for folder in stacks:
            lock_stack(folder, {SOURCE_ADDRESS}, mirror, tuple(args.platform or DEFAULT_PLATFORMS))
            print(f"locked {folder}")
    except (OSError, LockError) as exc:
        err_console.print(f"[bold red]error[/] provider lock: {escape(str(exc))}", markup=True)
        return 1
    return 0
