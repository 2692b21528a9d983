"""Publish terraform-provider-kvmhost in a local ``filesystem_mirror`` and write the Terraform CLI config selecting it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from fgtha.atomicfile import atomic_write

from . import SOURCE_ADDRESS, VERSION

EXECUTABLE = "terraform-provider-kvmhost"
#: The project folder (the repository: `provider/` sits in it), whose ignored `.fgtha/` holds the default mirror.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MIRROR = PROJECT_ROOT / ".fgtha" / "provider-mirror"


def provider_executable() -> Path:
    """The console script of this installation (next to the running Python, else on PATH)."""
    beside = Path(sys.executable).parent / EXECUTABLE
    if beside.is_file():
        return beside
    found = shutil.which(EXECUTABLE)
    if not found:
        raise FileNotFoundError(f"{EXECUTABLE} is not installed (pip install -e . in the project)")
    return Path(found)


def cli_config_text(mirror: Path) -> str:
    """A CLI config: our provider from the mirror, every other provider straight from its registry."""
    host = SOURCE_ADDRESS.split("/", 1)[0]
    return (
        "# Written by `fgtha provider install`: kvmhost from the local mirror, everything else from its registry.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        f'    include = ["{SOURCE_ADDRESS}"]\n'
        "  }\n"
        "  direct {\n"
        f'    exclude = ["{host}/*/*"]\n'
        "  }\n"
        "}\n"
    )


def install(mirror: Path = DEFAULT_MIRROR) -> Path:
    """Install the provider into ``mirror`` (created if needed); return the path of the CLI config selecting it.

    Re-running with an unchanged provider changes nothing that Terraform's lock
    file checks (the archive's content is the same script).
    """
    from tf.runner import install_provider

    mirror = mirror.resolve()
    host, namespace, name = SOURCE_ADDRESS.split("/")
    install_provider(host, namespace, name, VERSION, mirror, provider_executable())
    config = mirror.parent / f"{mirror.name}.tfrc"
    text = cli_config_text(mirror)
    if not config.is_file() or config.read_text() != text:
        atomic_write(config, text.encode(), 0o644)
    return config
