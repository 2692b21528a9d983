"""The floor under the kvmhost provider's benches: ``tf`` serving one do-nothing resource type, nothing else imported.

It starts the way kvmhost does (``tf.runner.run_provider``, kvmhost's cached certificate, ``os._exit`` at
the end), so its start and its plans show what any provider written on ``tf`` and grpcio costs here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from tf.iface import Provider, Resource
from tf.runner import run_provider
from tf.schema import Attribute, Schema
from tf.types import String

from fgtha_provider.tls import use_cached_certificate

SOURCE = "fgt-kvm-ha.local/bench/floor"
EXECUTABLE = "terraform-provider-floor"


class Thing(Resource):
    """A resource with a name and an id, and nothing behind it."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return "thing"

    @classmethod
    def get_schema(cls) -> Schema:
        return Schema(attributes=[Attribute("id", String(), computed=True), Attribute("name", String(), required=True)])

    def create(self, ctx: Any, planned: dict[str, Any]) -> dict[str, Any]:
        return {**planned, "id": planned["name"]}

    def read(self, ctx: Any, current: dict[str, Any]) -> dict[str, Any]:
        return current

    def update(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        return planned

    def delete(self, ctx: Any, current: dict[str, Any]) -> None:
        return None


class Floor(Provider):
    """No configuration, one resource type."""

    def get_model_prefix(self) -> str:
        return "floor_"

    def full_name(self) -> str:
        return SOURCE

    def get_provider_schema(self, diags: Any) -> Schema:
        return Schema(attributes=[])

    def validate_config(self, diags: Any, config: Any) -> None:
        return None

    def configure_provider(self, diags: Any, config: Any) -> None:
        return None

    def get_data_sources(self) -> list[Any]:
        return []

    def get_resources(self) -> list[Any]:
        return [Thing]

    def new_resource(self, klass: Any) -> Any:
        return klass(self)


def install(folder: Path) -> tuple[Path, Path]:
    """This provider as an executable in ``folder`` and a CLI config selecting it (dev override); their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    executable = folder / EXECUTABLE
    here = Path(__file__).resolve().parent
    executable.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(here)!r})\nfrom floor_provider import main\nmain()\n"
    )
    executable.chmod(0o755)
    config = folder / "floor.tfrc"
    config.write_text(f'provider_installation {{\n  dev_overrides {{\n    "{SOURCE}" = "{folder}"\n  }}\n}}\n')
    return executable, config


def main() -> None:
    """Serve until Terraform stops the provider, then end at once (as kvmhost does)."""
    use_cached_certificate()
    try:
        run_provider(Floor(), sys.argv)
    finally:
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
