"""A Markdown summary of Terraform plans (``terraform show -json``) for review in a pull request.

Per stack: counts of what is created, changed, replaced and destroyed; the
replacements and host-network (``kvmhost_*``) changes called out first; a
table of every change with the attributes that change. A value Terraform marks
sensitive (``before_sensitive`` / ``after_sensitive``) is never printed, and
neither is any value that contains one (Terraform does not always carry the
marker along, e.g. to a resource's ``output`` in prior state) or the value
of a sensitive variable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

HOST_NETWORK_TYPES = frozenset({"kvmhost_bridge"})  # resources that change a KVM host's network
#: Resources whose replacement restarts a unit: it boots again, from its (possibly new) config drive.
UNIT_REBOOT_TYPES = frozenset({"libvirt_domain", "libvirt_volume"})
#: Volume names end with these after the unit's name (``<unit>-boot.qcow2``; fgtha_constructs.fortigate_vm).
_VOLUME_SUFFIXES = ("-boot.qcow2", "-log.qcow2", "-config-2.iso")
SENSITIVE = "(sensitive)"
UNKNOWN = "(known after apply)"
_VALUE_WIDTH = 60


@dataclass(frozen=True)
class Change:
    """One resource change of a plan."""

    address: str
    type: str
    kind: str  # create | update | replace | delete
    attributes: tuple[tuple[str, str, str], ...]  # (name, before, after), already masked
    reason: str = ""
    name: str = ""  # the resource's ``name`` attribute (before, else after), when it has one


def unit_of(change: Change) -> str:
    """The unit a libvirt domain or volume belongs to: the domain's name, a volume's name without its suffix."""
    for suffix in _VOLUME_SUFFIXES:
        if change.name.endswith(suffix):
            return change.name.removesuffix(suffix)
    return change.name or change.address


def _kind(actions: list[str]) -> str | None:
    if actions in (["delete", "create"], ["create", "delete"]):
        return "replace"
    if actions in (["create"], ["update"], ["delete"]):
        return actions[0]
    return None  # no-op, read


def _marked(marker: Any) -> bool:
    """Whether a sensitivity marker (``true``, or a structure holding one) marks anything."""
    if marker is True:
        return True
    if isinstance(marker, Mapping):
        return any(_marked(v) for v in marker.values())
    if isinstance(marker, list):
        return any(_marked(v) for v in marker)
    return False


def _sensitive_leaves(value: Any, marker: Any) -> Iterator[str]:
    if marker is True:
        if isinstance(value, Mapping):
            value = list(value.values())
        if isinstance(value, list):
            for item in value:
                yield from _sensitive_leaves(item, True)
        elif value not in (None, ""):
            yield value if isinstance(value, str) else json.dumps(value)
    elif isinstance(marker, Mapping) and isinstance(value, Mapping):
        for key, sub in marker.items():
            yield from _sensitive_leaves(value.get(key), sub)
    elif isinstance(marker, list) and isinstance(value, list):
        for sub, item in zip(marker, value):
            yield from _sensitive_leaves(item, sub)


def secret_values(plan: Mapping[str, Any]) -> frozenset[str]:
    """Every value the plan marks sensitive, and the values of sensitive variables."""
    found: set[str] = set()
    declared = plan.get("configuration", {}).get("root_module", {}).get("variables", {})
    for name, var in plan.get("variables", {}).items():
        if declared.get(name, {}).get("sensitive"):
            found |= set(_sensitive_leaves(var.get("value"), True))
    for rc in plan.get("resource_changes", []):
        change = rc.get("change", {})
        for side in ("before", "after"):
            found |= set(_sensitive_leaves(change.get(side), change.get(f"{side}_sensitive")))
    return frozenset(found)


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else json.dumps(value)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"


def _side(values: Any, sensitive: Any, unknown: Any, key: str, secrets: frozenset[str]) -> str:
    if sensitive is True or (isinstance(sensitive, Mapping) and _marked(sensitive.get(key))):
        return SENSITIVE
    if isinstance(unknown, Mapping) and _marked(unknown.get(key)):
        return UNKNOWN
    if not isinstance(values, Mapping) or key not in values:
        return "—"
    raw = json.dumps(values[key])
    if any(secret in raw or json.dumps(secret)[1:-1] in raw for secret in secrets):
        return SENSITIVE
    return _show(values[key])


def _attributes(change: Mapping[str, Any], secrets: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    before, after = change.get("before") or {}, change.get("after") or {}
    after_unknown = change.get("after_unknown")
    unknown: Mapping[str, Any] = after_unknown if isinstance(after_unknown, Mapping) else {}
    for key in sorted(set(before) | set(after) | set(unknown)):
        pending = _marked(unknown.get(key))
        if before.get(key) == after.get(key) and not pending:
            continue
        yield (
            key,
            _side(change.get("before"), change.get("before_sensitive"), None, key, secrets),
            _side(change.get("after"), change.get("after_sensitive"), unknown, key, secrets),
        )


def changes(plan: Mapping[str, Any]) -> list[Change]:
    """The managed-resource changes of one plan, no-ops left out."""
    out = []
    secrets = secret_values(plan)
    for rc in plan.get("resource_changes", []):
        if rc.get("mode", "managed") != "managed":
            continue
        kind = _kind(rc["change"]["actions"])
        if kind is None:
            continue
        reason = ""
        if kind == "replace":
            paths = rc["change"].get("replace_paths") or []
            reason = ", ".join(".".join(str(s) for s in p) for p in paths) or rc.get("action_reason", "")
        sides = [rc["change"].get(side) or {} for side in ("before", "after")]
        name = next((str(v["name"]) for v in sides if isinstance(v, Mapping) and isinstance(v.get("name"), str)), "")
        out.append(Change(rc["address"], rc["type"], kind, tuple(_attributes(rc["change"], secrets)), reason, name))
    return out


_VERB = {"create": "create", "update": "change", "replace": "replace", "delete": "destroy"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def stack_section(name: str, plan: Mapping[str, Any]) -> str:
    """The Markdown section of one stack's plan."""
    found = changes(plan)
    counts = {kind: sum(c.kind == kind for c in found) for kind in _VERB}
    lines = [f"## Stack `{name}`", ""]
    lines.append(", ".join(f"**{counts[k]}** to {v}" for k, v in _VERB.items()))
    lines.append("")
    if not found:
        lines += ["No changes.", ""]
        return "\n".join(lines)
    replaced = [c for c in found if c.kind == "replace"]
    host = [c for c in found if c.type in HOST_NETWORK_TYPES]
    reboots: dict[str, list[Change]] = {}
    for c in replaced:
        if c.type in UNIT_REBOOT_TYPES:
            reboots.setdefault(unit_of(c), []).append(c)
    if reboots:
        lines.append(
            "> **Unit reboots** (its domain or a disk is replaced: the unit restarts and boots from its config drive,"
            " with the day-0 configuration written now):"
        )
        lines += [
            f"> - unit `{unit}`: " + ", ".join(f"`{c.address}`" for c in changed) for unit, changed in reboots.items()
        ]
        lines.append("")
    if replaced:
        lines.append("> **Replacements** (destroyed and created again):")
        lines += [f"> - `{c.address}`" + (f" because of `{c.reason}`" if c.reason else "") for c in replaced]
        lines.append("")
    if host:
        lines.append("> **Host network changes** (bridges and uplinks of a KVM host; plan a maintenance window):")
        lines += [f"> - {_VERB[c.kind]} `{c.address}`" for c in host]
        lines.append("")
    lines += ["| action | resource | attribute | before | after |", "|---|---|---|---|---|"]
    for c in found:
        rows = c.attributes or (("", "", ""),)
        for i, (attr, was, will) in enumerate(rows):
            head = (_VERB[c.kind], f"`{c.address}`") if i == 0 else ("", "")
            lines.append("| " + " | ".join(_cell(x) for x in (*head, attr, was, will)) + " |")
    lines.append("")
    return "\n".join(lines)


def render_report(plans: Mapping[str, Mapping[str, Any]]) -> str:
    """The whole report: one section per stack, in the given order."""
    return "# Terraform plan\n\n" + "\n".join(stack_section(name, plan) for name, plan in plans.items())
