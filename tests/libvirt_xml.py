"""A test-side model of dmacvicar/libvirt 0.9.7: synthesized ``libvirt_domain``/``libvirt_volume`` JSON -> libvirt XML.

Read from the provider's source at tag v0.9.7 (``internal/codegen`` generates the conversion from
libvirt-go-xml v1.11007.0's structs; ``internal/provider/volume_resource.go`` and ``volume_upload.go``
add the volume's own rules) and re-written here, nothing copied. It covers exactly the attributes the
project's bindings set (the tables below); any other attribute raises :class:`NotCovered`, so a binding
that grows an attribute fails loudly until the model learns it. A provider upgrade means re-reading
the provider's source and this file together.

Also modelled: how the provider reads a domain back after apply (every planned value is compared with
the live XML; a difference is Terraform's "Provider produced inconsistent result after apply").
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The provider version this model was read from.
PROVIDER_VERSION = "0.9.7"


class NotCovered(Exception):
    """An attribute this model does not know (the provider may; read its source before adding it)."""


class ProviderError(Exception):
    """An error the provider itself reports before libvirt is called (summary: detail)."""


# ---- the attribute tables ------------------------------------------------------------------
# Each Terraform attribute name maps to how libvirt-go-xml marshals the Go field it comes from.


@dataclass(frozen=True)
class F:
    """One attribute: ``kind`` is attr | text | nested | list | presence | value (a flattened value+unit)."""

    kind: str
    xml: str
    struct: Mapping[str, F] | None = None
    #: for ``value``: the Terraform attributes that become XML attributes of the element (tf name -> xml name)
    units: Mapping[str, str] = field(default_factory=dict)
    #: for ``nested`` unions: tf branch name -> (the parent's ``type``, the branch's struct)
    branches: Mapping[str, tuple[str, Mapping[str, F]]] | None = None
    #: readback: the provider keeps the planned value (flattened values) instead of reading libvirt's
    preserved: bool = False


def _attrs(**names: str) -> dict[str, F]:
    return {tf: F("attr", x) for tf, x in names.items()}


_FORMAT = _attrs(type="type")
_CHARDEV_BRANCHES: dict[str, tuple[str, Mapping[str, F]]] = {
    # DomainChardevSource.MarshalXML: a pty source is written only when its path is not empty;
    # a unix source only when mode or path is set. The branch always sets the parent's type.
    "pty": ("pty", _attrs(path="path")),
    "unix": ("unix", _attrs(mode="mode", path="path")),
    "file": ("file", _attrs(path="path", append="append")),
}

DISK: dict[str, F] = {
    "device": F("attr", "device"),
    "driver": F("nested", "driver", _attrs(name="name", type="type")),
    "source": F(
        "nested",
        "source",
        branches={"file": ("file", _attrs(file="file")), "volume": ("volume", _attrs(pool="pool", volume="volume"))},
    ),
    "target": F("nested", "target", _attrs(dev="dev", bus="bus")),
    "read_only": F("presence", "readonly"),
}

INTERFACE: dict[str, F] = {
    "trust_guest_rx_filters": F("attr", "trustGuestRxFilters"),
    "mac": F("nested", "mac", _attrs(address="address")),
    "source": F(
        "nested",
        "source",
        branches={
            "bridge": ("bridge", _attrs(bridge="bridge")),
            "direct": ("direct", _attrs(dev="dev", mode="mode")),
        },
    ),
    "model": F("nested", "model", _attrs(type="type")),
    "filter_ref": F("nested", "filterref", _attrs(filter="filter")),
}

SERIAL: dict[str, F] = {
    "source": F("nested", "source", branches=_CHARDEV_BRANCHES),
    "target": F("nested", "target", {**_attrs(type="type", port="port")}),
}

CONSOLE: dict[str, F] = {
    "tty": F("attr", "tty"),
    "source": F("nested", "source", branches=_CHARDEV_BRANCHES),
    "target": F("nested", "target", _attrs(type="type", port="port")),
}

DOMAIN: dict[str, F] = {
    "type": F("attr", "type"),
    "name": F("text", "name"),
    "description": F("text", "description"),
    "memory": F("value", "memory", units={"memory_unit": "unit"}, preserved=True),
    "vcpu": F("value", "vcpu", units={"vcpu_placement": "placement"}, preserved=True),
    "os": F(
        "nested",
        "os",
        {
            "type": F("value", "type", units={"type_arch": "arch", "type_machine": "machine"}, preserved=True),
            "kernel": F("text", "kernel"),
            "initrd": F("text", "initrd"),
            "cmdline": F("text", "cmdline"),
        },
    ),
    "devices": F(
        "nested",
        "devices",
        {
            "disks": F("list", "disk", DISK),
            "interfaces": F("list", "interface", INTERFACE),
            "serials": F("list", "serial", SERIAL),
            "consoles": F("list", "console", CONSOLE),
        },
    ),
}
#: Provider-only attributes of libvirt_domain: they never reach the XML.
DOMAIN_PROVIDER_ONLY = frozenset({"running", "autostart"})

VOLUME: dict[str, F] = {
    "type": F("attr", "type"),
    "name": F("text", "name"),
    "capacity": F("value", "capacity", units={"capacity_unit": "unit"}),
    "target": F("nested", "target", {"format": F("nested", "format", _FORMAT)}),
    "backing_store": F("nested", "backingStore", {"path": F("text", "path"), "format": F("nested", "format", _FORMAT)}),
}
#: Provider-only attributes of libvirt_volume.
VOLUME_PROVIDER_ONLY = frozenset({"pool", "create"})
#: Terraform meta-arguments in a synthesized resource body.
META = frozenset({"provider", "lifecycle", "depends_on", "//", "count", "for_each"})

# ---- references --------------------------------------------------------------------------

_REF = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$")


def resolver(stack: Mapping[str, Any], known: Mapping[str, Any] | None = None) -> Callable[[Any], Any]:
    """Resolve whole-string references ``${type.id.attr}`` within a stack's resources.

    ``known`` gives values only known at apply time (``"kvmhost_config_drive.<id>.path"`` -> a path).
    Any other expression is left to fail in :func:`_scalar`.
    """
    resources = stack.get("resource", {})
    known = dict(known or {})

    def resolve(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, str) and (m := _REF.match(value)):
            rtype, rid, attr = m.groups()
            address = f"{rtype}.{rid}.{attr}"
            if address in known:
                return known[address]
            body = resources.get(rtype, {}).get(rid)
            if body is None or attr not in body:
                raise ProviderError(f"unknown value: {value} cannot be resolved in this stack")
            return resolve(body[attr])
        return value

    return resolve


def _scalar(path: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and "${" in value:
        raise ProviderError(f"{path}: unresolved expression {value!r}")
    return str(value)


# ---- attributes -> XML ------------------------------------------------------------------


def _fill(element: ET.Element, path: str, values: Mapping[str, Any], table: Mapping[str, F]) -> None:
    units = {u for f in table.values() for u in f.units}
    unknown = [n for n, v in values.items() if v is not None and n not in table and n not in units]
    if unknown:
        raise NotCovered(f"{path}.{unknown[0]}: not covered by the provider model (read the provider's source)")
    for name, spec in table.items():  # libvirt-go-xml writes fields in its structs' order
        value = values.get(name)
        if value is None:
            continue
        where = f"{path}.{name}"
        if spec.kind == "attr":
            element.set(spec.xml, _scalar(where, value))
        elif spec.kind == "text":
            ET.SubElement(element, spec.xml).text = _scalar(where, value)
        elif spec.kind == "value":
            child = ET.SubElement(element, spec.xml)
            child.text = _scalar(where, value)
            for unit, xml_name in spec.units.items():
                if values.get(unit) is not None:
                    child.set(xml_name, _scalar(f"{path}.{unit}", values[unit]))
        elif spec.kind == "presence":
            if value:
                ET.SubElement(element, spec.xml)
        elif spec.kind == "list":
            for i, item in enumerate(value):
                _fill(ET.SubElement(element, spec.xml), f"{where}[{i}]", item, spec.struct or {})
        elif spec.branches is not None:
            _fill_union(element, where, spec, value)
        else:
            _fill(ET.SubElement(element, spec.xml), where, value, spec.struct or {})


def _fill_union(parent: ET.Element, path: str, spec: F, value: Mapping[str, Any]) -> None:
    chosen = [b for b, v in value.items() if v is not None]
    assert spec.branches is not None
    unknown = [b for b in chosen if b not in spec.branches]
    if unknown:
        raise NotCovered(f"{path}.{unknown[0]}: not covered by the provider model (read the provider's source)")
    if len(chosen) != 1:
        return  # libvirt-go-xml writes neither a type nor a source
    branch = chosen[0]
    parent_type, struct = spec.branches[branch]
    parent.set("type", parent_type)
    attributes = {k: v for k, v in value[branch].items() if v is not None}
    if parent_type == "pty" and not attributes.get("path"):
        return  # a pty source without a path is not written
    if parent_type == "unix" and not (attributes.get("path") or attributes.get("mode")):
        return
    _fill(ET.SubElement(parent, spec.xml), f"{path}.{branch}", attributes, struct)


def _body(body: Mapping[str, Any], provider_only: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in META and k not in provider_only}


def domain_xml(body: Mapping[str, Any]) -> str:
    """The domain XML that ``DomainDefineXML`` receives for a resolved ``libvirt_domain`` body."""
    root = ET.Element("domain")
    _fill(root, "libvirt_domain", _body(body, DOMAIN_PROVIDER_ONLY), DOMAIN)
    return ET.tostring(root, encoding="unicode")


_UNIT_BYTES = {
    None: 1,
    "b": 1,
    "bytes": 1,
    "k": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gib": 1024**3,
    "t": 1024**4,
    "tib": 1024**4,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
}


@dataclass(frozen=True)
class VolumeCreation:
    """What the provider does for one volume: ``StorageVolCreateXML(pool, xml)``, then an upload if any."""

    pool: str
    name: str
    xml: str
    capacity_bytes: int
    upload: Path | None


def _upload_path(url: str) -> Path:
    if url.startswith(("http://", "https://")):
        raise NotCovered("create.content.url: http(s) uploads are not modelled (the project uploads local files)")
    return Path(url.removeprefix("file://"))


def volume_creation(body: Mapping[str, Any]) -> VolumeCreation:
    """How the provider creates a resolved ``libvirt_volume`` body, with its own checks (capacity rules)."""
    values = _body(body, VOLUME_PROVIDER_ONLY)
    upload: Path | None = None
    content = (body.get("create") or {}).get("content")
    if content is not None:
        upload = _upload_path(_scalar("libvirt_volume.create.content.url", content["url"]))
        if not upload.is_file():
            raise ProviderError(f"Failed to Open URL: Could not open URL for upload: failed to stat file: {upload}")
        # the stream's size wins over a configured capacity; the configured unit stays
        values["capacity"] = upload.stat().st_size
    elif values.get("capacity") is None:
        raise ProviderError("Missing Capacity: Volume capacity is required when not uploading from a URL")
    unit = values.get("capacity_unit")
    try:
        factor = _UNIT_BYTES[unit.lower() if isinstance(unit, str) else None]
    except KeyError:
        raise NotCovered(f"libvirt_volume.capacity_unit: unit {unit!r} not modelled") from None
    root = ET.Element("volume")
    _fill(root, "libvirt_volume", values, VOLUME)
    return VolumeCreation(
        pool=_scalar("libvirt_volume.pool", body["pool"]),
        name=_scalar("libvirt_volume.name", body["name"]),
        xml=ET.tostring(root, encoding="unicode"),
        capacity_bytes=int(values["capacity"]) * factor,
        upload=upload,
    )


# ---- readback: the planned values against libvirt's live XML ----------------------------------


def _leaf_mismatches(
    element: ET.Element | None, path: str, values: Mapping[str, Any], table: Mapping[str, F]
) -> Iterator[str]:
    for name, value in values.items():
        spec = table.get(name)
        if value is None or spec is None or spec.preserved:
            continue
        where = f"{path}.{name}"
        if spec.kind == "attr":
            got = element.get(spec.xml) if element is not None else None
            if got != _scalar(where, value):
                yield f"{where}: was {value!r}, but now {got!r}"
        elif spec.kind == "text":
            child = element.find(spec.xml) if element is not None else None
            got = child.text if child is not None else None
            if got != _scalar(where, value):
                yield f"{where}: was {value!r}, but now {got!r}"
        elif spec.kind == "presence":
            present = element is not None and element.find(spec.xml) is not None
            if present != bool(value):
                yield f"{where}: was {value!r}, but now {present!r}"
        elif spec.kind == "list":
            items = element.findall(spec.xml) if element is not None else []
            yield from _list_mismatches(items, where, value, spec)
        elif spec.branches is not None:
            yield from _union_mismatches(element, where, spec, value)
        else:
            child = element.find(spec.xml) if element is not None else None
            if child is not None:  # an omitted nested object keeps its planned value
                yield from _leaf_mismatches(child, where, value, spec.struct or {})


def _list_mismatches(items: list[ET.Element], path: str, planned: list[Any], spec: F) -> Iterator[str]:
    by_dev = {t.get("dev"): i for i, item in enumerate(items) if (t := item.find("target")) is not None}
    for i, item in enumerate(planned):
        dev = (item.get("target") or {}).get("dev") if spec.xml == "disk" else None
        index = by_dev.get(dev, i) if dev else i  # disks are matched by target.dev, other lists by position
        if index >= len(items):
            yield f"{path}[{i}]: planned, but libvirt reports no such element"
            continue
        yield from _leaf_mismatches(items[index], f"{path}[{i}]", item, spec.struct or {})


def _union_mismatches(parent: ET.Element | None, path: str, spec: F, value: Mapping[str, Any]) -> Iterator[str]:
    assert spec.branches is not None and parent is not None
    chosen = [b for b, v in value.items() if v is not None]
    if len(chosen) != 1:
        return
    parent_type, struct = spec.branches[chosen[0]]
    if parent.get("type") != parent_type:
        yield f"{path}: was {chosen[0]}, but now {parent.get('type')}"
        return
    source = parent.find(spec.xml)
    # libvirt-go-xml reads every branch attribute back from <source>; an absent one reads as ""
    for name, planned in value[chosen[0]].items():
        if planned is None or name not in struct:
            continue
        got = source.get(struct[name].xml, "") if source is not None else ""
        if got != _scalar(f"{path}.{chosen[0]}.{name}", planned):
            yield f"{path}.{chosen[0]}.{name}: was {planned!r}, but now {got!r}"


def readback_mismatches(body: Mapping[str, Any], live_xml: str) -> list[str]:
    """Planned values of a resolved ``libvirt_domain`` body that libvirt reports differently after apply."""
    root = ET.fromstring(live_xml)
    return list(_leaf_mismatches(root, "libvirt_domain", _body(body, DOMAIN_PROVIDER_ONLY), DOMAIN))
