"""The environment every embedded Terraform run gets: no checkpoint calls, an explicit CLI config, a writable HOME."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

EMPTY_CLI_CONFIG_TEXT = "# no provider installation overrides\n"


@functools.cache
def _empty_cli_config() -> str:
    """A CLI config with nothing in it, made by this process (a fresh mkstemp file, mode 0600, removed at exit).

    Never a shared fixed path: another local user could put ``dev_overrides`` in it
    and have root's Terraform run their binary as a provider.
    """
    fd, path = tempfile.mkstemp(prefix="fgtha-", suffix=".tfrc")
    with os.fdopen(fd, "w") as f:
        f.write(EMPTY_CLI_CONFIG_TEXT)
    atexit.register(Path(path).unlink, missing_ok=True)
    return path


def terraform_env(base: Mapping[str, str] | None = None, *, cli_config: str | Path | None = None) -> dict[str, str]:
    """``base`` (default: ``os.environ``) made safe for Terraform.

    ``CHECKPOINT_DISABLE`` is set; ``TF_CLI_CONFIG_FILE`` always names an existing file
    (``cli_config``, else the inherited one when it exists, else an empty one);
    ``HOME`` is writable (the Python provider caches its certificate there).
    """
    env = dict(os.environ if base is None else base)
    env["CHECKPOINT_DISABLE"] = "1"
    inherited = env.get("TF_CLI_CONFIG_FILE")
    if cli_config is not None:
        env["TF_CLI_CONFIG_FILE"] = str(cli_config)
    elif not (inherited and Path(inherited).is_file()):
        env["TF_CLI_CONFIG_FILE"] = _empty_cli_config()
    home = env.get("HOME")
    if not home or not os.access(home, os.W_OK):
        env["HOME"] = _private_home()
    return env


@functools.cache
def _private_home() -> str:
    """A HOME of this process's own (mkdtemp, mode 0700, removed at exit), never a shared folder."""
    path = tempfile.mkdtemp(prefix="fgtha-home-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
