"""Publish terraform-provider-kvmhost in a local ``filesystem_mirror`` and write the Terraform CLI config selecting it."""

from __future__ import annotations

import io
import platform
import shutil
import stat
import sys
import zipfile
from pathlib import Path

from fgtha.atomicfile import atomic_write
from fgtha.project import find_root

from . import SOURCE_ADDRESS, VERSION

EXECUTABLE = "terraform-provider-kvmhost"


def default_mirror() -> Path:
    """``.fgtha/provider-mirror`` of the site repository (the folder of cdktf.json at or above the working folder)."""
    return find_root() / ".fgtha" / "provider-mirror"


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


#: ``platform.machine()`` -> Terraform's architecture name.
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def this_platform() -> str:
    """Terraform's name of the platform this installation runs on (``linux_amd64``): the only one it can serve.

    The provider is a console script whose first line names this virtualenv's Python, so an archive of it
    runs nowhere else: no darwin or windows archive is written.
    """
    system, machine = sys.platform, platform.machine().lower()
    if not system.startswith("linux") or machine not in _ARCH:
        raise OSError(f"kvmhost runs on Linux (amd64 or arm64), not on {system} {machine}")
    return f"linux_{_ARCH[machine]}"


def package_dir(mirror: Path) -> Path:
    """The provider's folder in a filesystem mirror (packed layout: HOST/NAMESPACE/TYPE/)."""
    return mirror / SOURCE_ADDRESS


def _archive(executable: Path, member: str) -> bytes:
    """A zip holding ``executable`` as ``member`` (mode 0755), the same bytes for the same script."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = (stat.S_IFREG | 0o755) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, executable.read_bytes())
    return buffer.getvalue()


def install(mirror: Path | None = None) -> Path:
    """Install the provider into ``mirror`` (created if needed); return the path of the CLI config selecting it.

    One archive, for the platform it was built on (:func:`this_platform`); archives for other platforms
    that an older install left in the mirror are removed. Re-running with an unchanged provider writes
    the same bytes, so Terraform's lock file stays valid.
    """
    mirror = (mirror or default_mirror()).resolve()
    name = SOURCE_ADDRESS.rsplit("/", 1)[1]
    target = this_platform()
    folder = package_dir(mirror)
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / f"{EXECUTABLE}_{VERSION}_{target}.zip"
    data = _archive(provider_executable(), f"{EXECUTABLE}_v{VERSION}")
    if not archive.is_file() or archive.read_bytes() != data:
        atomic_write(archive, data, 0o644)
    for stale in folder.glob(f"terraform-provider-{name}_{VERSION}_*.zip"):
        if stale != archive:
            stale.unlink()
    for index in (folder / "index.json", folder / f"{VERSION}.json"):  # network-mirror files of older installs
        index.unlink(missing_ok=True)
    config = mirror.parent / f"{mirror.name}.tfrc"
    text = cli_config_text(mirror)
    if not config.is_file() or config.read_text() != text:
        atomic_write(config, text.encode(), 0o644)
    return config
