"""Check synthesized Terraform JSON against provider schemas (``terraform providers schema -json`` form).

Reports unknown attributes, missing required ones, values of the wrong type
and computed-only attributes that were set. A string holding a Terraform
expression (an unescaped ``${...}``) may stand for a value of any type.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .expression import has_interpolation

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
#: Meta-arguments Terraform accepts on every resource / provider block.
RESOURCE_META = frozenset(
    {"//", "provider", "depends_on", "count", "for_each", "lifecycle", "connection", "provisioner"}
)
PROVIDER_META = frozenset({"alias"})


class Schemas:
    """The attribute schemas of providers and resources, merged from several schema files."""

    def __init__(self, files: Iterable[Path] | None = None) -> None:
        self.providers: dict[str, dict[str, Any]] = {}
        self.resources: dict[str, dict[str, Any]] = {}
        for path in files if files is not None else sorted(SCHEMA_DIR.glob("*.schema.json")):
            for source, schema in json.loads(path.read_text(encoding="utf-8"))["provider_schemas"].items():
                local_name = source.rsplit("/", 1)[-1]
                if "provider" in schema:
                    self.providers[local_name] = _with_blocks(schema["provider"]["block"])
                for rtype, rschema in schema.get("resource_schemas", {}).items():
                    self.resources[rtype] = rschema["block"].get("attributes", {})


def _with_blocks(block: Mapping[str, Any]) -> dict[str, Any]:
    """A block's attributes, its nested blocks (``ssh { ... }``) checked like nested attributes of that nesting."""
    found = dict(block.get("attributes", {}))
    for name, nested in block.get("block_types", {}).items():
        found[name] = {
            "optional": True,
            "nested_type": {
                "nesting_mode": nested["nesting_mode"],
                "attributes": nested["block"].get("attributes", {}),
            },
        }
    return found


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and has_interpolation(value)


def _type_problems(where: str, value: Any, tf_type: Any) -> Iterator[str]:
    if _is_expression(value):
        return
    if tf_type == "string":
        ok = isinstance(value, str)
    elif tf_type == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif tf_type == "bool":
        ok = isinstance(value, bool)
    elif isinstance(tf_type, list) and tf_type[0] in ("list", "set"):
        if not isinstance(value, list):
            yield f"{where}: expected a {tf_type[0]}, got {type(value).__name__}"
            return
        for i, item in enumerate(value):
            yield from _type_problems(f"{where}[{i}]", item, tf_type[1])
        return
    elif isinstance(tf_type, list) and tf_type[0] == "map":
        ok = isinstance(value, dict)
    else:
        ok = True  # dynamic or object types: not used by the bound attributes
    if not ok:
        yield f"{where}: expected {tf_type}, got {type(value).__name__} {value!r}"


def attribute_problems(
    where: str, values: Mapping[str, Any], schema: Mapping[str, Any], meta: frozenset[str] = frozenset()
) -> Iterator[str]:
    """Problems of one object (a resource body or a nested attribute) against its attribute schema."""
    for name, value in values.items():
        if name in meta:
            continue
        path = f"{where}.{name}"
        spec = schema.get(name)
        if spec is None:
            yield f"{path}: unknown attribute"
            continue
        if spec.get("computed") and not (spec.get("optional") or spec.get("required")):
            yield f"{path}: computed only, must not be set"
            continue
        if "nested_type" in spec:
            yield from _nested_problems(path, value, spec["nested_type"])
        else:
            yield from _type_problems(path, value, spec.get("type"))
    for name, spec in schema.items():
        if spec.get("required") and name not in values:
            yield f"{where}.{name}: required attribute missing"


def _nested_problems(path: str, value: Any, nested: Mapping[str, Any]) -> Iterator[str]:
    if _is_expression(value):
        return
    attrs = nested["attributes"]
    if nested["nesting_mode"] == "single":
        if not isinstance(value, dict):
            yield f"{path}: expected an object, got {type(value).__name__}"
            return
        yield from attribute_problems(path, value, attrs)
        return
    if not isinstance(value, list):
        yield f"{path}: expected a list of objects, got {type(value).__name__}"
        return
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            yield f"{path}[{i}]: expected an object, got {type(item).__name__}"
        else:
            yield from attribute_problems(f"{path}[{i}]", item, attrs)


def stack_problems(stack: Mapping[str, Any], schemas: Schemas) -> list[str]:
    """Every schema problem of one synthesized stack (``cdk.tf.json`` content)."""
    problems: list[str] = []
    for ptype, configs in stack.get("provider", {}).items():
        if ptype not in schemas.providers:
            problems.append(f"provider.{ptype}: no schema")
            continue
        for i, config in enumerate(configs):
            problems += attribute_problems(f"provider.{ptype}[{i}]", config, schemas.providers[ptype], PROVIDER_META)
    for rtype, resources in stack.get("resource", {}).items():
        if rtype not in schemas.resources:
            problems.append(f"resource.{rtype}: no schema")
            continue
        for name, body in resources.items():
            problems += attribute_problems(f"{rtype}.{name}", body, schemas.resources[rtype], RESOURCE_META)
    return problems
