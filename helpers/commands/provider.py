"""`fgtha provider install`: make terraform-provider-kvmhost installable by `terraform init` with no registry."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import err_console


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the provider command group."""
    p = sub.add_parser("provider", help="the kvmhost Terraform provider")
    group = p.add_subparsers(dest="provider_command", required=True, metavar="SUBCOMMAND")
    install = group.add_parser(
        "install",
        help="install kvmhost into a filesystem_mirror and print the path of the CLI config that selects it",
        description="Use it as: TF_CLI_CONFIG_FILE=$(fgtha provider install) terraform init",
    )
    install.add_argument(
        "--mirror", metavar="DIR", type=Path, help="mirror folder (default: .fgtha/provider-mirror in the project)"
    )
    install.set_defaults(func=run_install)


def run_install(args: argparse.Namespace) -> int:
    """Install, then print only the CLI config's path on stdout."""
    from fgtha_provider.install import DEFAULT_MIRROR, install

    try:
        config = install(args.mirror or DEFAULT_MIRROR)
    except OSError as exc:
        err_console.print(f"[bold red]error[/] provider install: {exc}", markup=True)
        return 1
    print(config)
    return 0
