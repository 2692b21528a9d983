"""``kvmhost_config_drive``: a unit's day-0 config drive (ISO 9660, label config-2) written atomically, mode 0600."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from tf.iface import Config, CreateContext, DeleteContext, PlanContext, ReadContext, State, UpdateContext
from tf.schema import Attribute, Schema
from tf.types import Number, String, Unknown

from .base import KvmhostResource, guarded, is_unknown

log = logging.getLogger("kvmhost.config_drive")

SECRET_ATTRIBUTES = ("user_data", "license")


def file_sha256(path: str) -> str | None:
    """SHA-256 (hex) of the file at ``path``; None when there is no such file."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


class ConfigDriveResource(KvmhostResource):
    """A config drive file; read compares its SHA-256 so a deleted or altered file is planned for re-creation."""

    LOG_DETAILS = False

    @classmethod
    def get_name(cls) -> str:
        return "config_drive"

    @classmethod
    def get_schema(cls) -> Schema:
        return Schema(
            version=1,
            attributes=[
                Attribute("id", String(), description="The image path.", computed=True),
                Attribute(
                    "path",
                    String(),
                    description="Absolute path of the image to write.",
                    required=True,
                    requires_replace=True,
                ),
                Attribute(
                    "user_data",
                    String(),
                    description="FortiOS day-0 configuration (openstack/latest/user_data).",
                    required=True,
                    sensitive=True,
                ),
                Attribute(
                    "license",
                    String(),
                    description=(
                        "FortiGate-VM licence (openstack/content/0000): a .lic file's content"
                        " or a FortiFlex token line LICENSE-TOKEN:<token>."
                    ),
                    optional=True,
                    sensitive=True,
                ),
                Attribute("sha256", String(), description="SHA-256 of the image (hex).", computed=True),
                Attribute("size", Number(), description="Size of the image in bytes.", computed=True),
            ],
        )

    def validate(self, diags: Any, type_name: str, config: Config) -> None:
        super().validate(diags, type_name, config)
        path = config.get("path")
        if isinstance(path, str) and not is_unknown(path) and not os.path.isabs(path):
            diags.add_error(
                f"{type_name}: path: must be absolute", f"{path!r} is relative; give an absolute path.", path=["path"]
            )
        if config.get("user_data") == "":
            diags.add_error(
                f"{type_name}: user_data: must not be empty",
                "The unit boots with no configuration.",
                path=["user_data"],
            )

    def explain(self, exc: Exception) -> str:
        """Failure detail with no value of the sensitive attributes in it (only the exception's kind and errno text)."""
        if isinstance(exc, OSError):
            return f"{exc.strerror or type(exc).__name__}: {exc.filename}"
        return type(exc).__name__

    @guarded("plan", keep=1)
    def plan_change(self, ctx: PlanContext, prior: State | None, proposed: State, config: Config) -> State:
        planned = dict(proposed)
        planned["id"] = planned["path"]
        content_changes = prior is None or any(
            prior[k] != planned[k] or is_unknown(planned[k]) for k in SECRET_ATTRIBUTES
        )
        if content_changes:
            planned["sha256"] = Unknown
            planned["size"] = Unknown
        return planned

    def write(self, planned: State) -> State:
        from fgtha.configdrive import write_config_drive  # pycdlib: imported only when an image is written

        # Like hashicorp/local's local_file, a missing folder is created; 0700, since the image holds secrets.
        os.makedirs(os.path.dirname(planned["path"]), mode=0o700, exist_ok=True)
        info = write_config_drive(planned["path"], planned["user_data"], planned.get("license"))
        log.info("config drive %s written (%d bytes)", planned["path"], info.size)
        return self.complete({**planned, "id": planned["path"], "sha256": info.sha256, "size": info.size})

    @guarded("create", keep=None)
    def create(self, ctx: CreateContext, planned: State) -> State:
        return self.write(planned)

    @guarded("update", keep=0)
    def update(self, ctx: UpdateContext, current: State, planned: State) -> State:
        return self.write(planned)

    @guarded("read", keep=0)
    def read(self, ctx: ReadContext, current: State) -> State | None:
        actual = file_sha256(current["path"])
        if actual is None:
            log.info("config drive %s: file is gone", current["path"])
            return None
        if actual != current["sha256"]:
            log.info("config drive %s: content changed on disk", current["path"])
            return None
        return self.complete(current)

    @guarded("delete", keep=0)
    def delete(self, ctx: DeleteContext, current: State) -> None:
        Path(current["path"]).unlink(missing_ok=True)
        return None

    def identity(self, state: State) -> Any:
        return state.get("path")
