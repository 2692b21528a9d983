"""The OpenStack config drive that FortiGate-VM reads its day-0 bootstrap from.

ISO 9660 with Joliet and Rock Ridge, volume label ``config-2``, built in Python
with pycdlib; byte-identical for the same input (every date is pinned), written
atomically with mode 0600.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .atomicfile import atomic_write

if TYPE_CHECKING:
    import pycdlib

VOLUME_LABEL = "config-2"
USER_DATA = "openstack/latest/user_data"
META_DATA = "openstack/latest/meta_data.json"
LICENSE = "openstack/content/0000"
#: The date written into every timestamp of the image (2000-01-01T00:00:00Z).
FIXED_EPOCH = 946684800.0

_clock_lock = threading.Lock()


def fortiflex_license(token: str) -> str:
    """The licence content of a FortiFlex token: the line ``LICENSE-TOKEN:<token>``.

    ``token`` may also be a Terraform expression that yields the token at apply time.
    """
    return f"LICENSE-TOKEN:{token}\n"


@dataclass(frozen=True)
class ConfigDriveInfo:
    """What was written: the image's SHA-256 (hex) and size in bytes."""

    sha256: str
    size: int


@contextmanager
def _fixed_clock() -> Iterator[None]:
    """Make pycdlib see FIXED_EPOCH as "now", in UTC, while an image is built."""
    import pycdlib.dates
    import pycdlib.headervd
    import pycdlib.pycdlib
    import pycdlib.utils

    clock_users = (
        pycdlib.dates,
        pycdlib.headervd,
        pycdlib.pycdlib,
        pycdlib.utils,
    )  # each reads "now" through its `time`
    clock = types.SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("__")})
    clock.time = lambda: FIXED_EPOCH
    clock.localtime = time.gmtime
    with _clock_lock:
        saved = [(module, getattr(module, "time")) for module in clock_users]  # noqa: B009
        for module, _ in saved:
            setattr(module, "time", clock)  # noqa: B010
        try:
            yield
        finally:
            for module, original in saved:
                setattr(module, "time", original)  # noqa: B010


def _meta_data(has_license: bool) -> bytes:
    meta: dict[str, object] = {}
    if has_license:
        meta["files"] = [{"path": "license", "content_path": "/content/0000"}]
    return json.dumps(meta, sort_keys=True).encode()


def _add_dir(iso: pycdlib.PyCdlib, path: str) -> None:
    iso_path = "/" + path.upper()
    iso.add_directory(iso_path, rr_name=path.rsplit("/", 1)[-1], joliet_path="/" + path)


def _add_file(iso: pycdlib.PyCdlib, path: str, data: bytes) -> None:
    directory, name = path.rsplit("/", 1)
    short = name.upper().replace(".", "_")[:8].rstrip("_") or "FILE"
    extension = name.rsplit(".", 1)[1].upper()[:3] if "." in name else ""
    iso_path = f"/{directory.upper()}/{short}.{extension};1"
    iso.add_fp(io.BytesIO(data), len(data), iso_path, rr_name=name, joliet_path="/" + path)


def build_config_drive(user_data: str, license: str | None = None) -> bytes:
    """The config drive image holding ``user_data`` and, when given, the licence."""
    import pycdlib  # imported here: every `fgtha` command loads this module, few build an image

    files = {USER_DATA: user_data.encode(), META_DATA: _meta_data(license is not None)}
    if license is not None:
        files[LICENSE] = license.encode()
    out = io.BytesIO()
    with _fixed_clock():
        iso = pycdlib.PyCdlib()
        iso.new(interchange_level=3, vol_ident=VOLUME_LABEL, joliet=3, rock_ridge="1.09")
        for directory in ("openstack", "openstack/latest", "openstack/content"):
            if any(path.startswith(directory + "/") for path in files):
                _add_dir(iso, directory)
        for path in sorted(files):
            _add_file(iso, path, files[path])
        iso.write_fp(out)
        iso.close()
    return out.getvalue()


def write_config_drive(path: str | Path, user_data: str, license: str | None = None) -> ConfigDriveInfo:
    """Build the config drive and write it to ``path`` atomically with mode 0600."""
    image = build_config_drive(user_data, license)
    atomic_write(path, image)
    return ConfigDriveInfo(sha256=hashlib.sha256(image).hexdigest(), size=len(image))
