"""A binding's JSON is written by its stack on the Python side (no callback per element): it must be exactly the
JSON cdktf writes for the same element when the element hands cdktf its attributes through jsii."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from synthkit import scratch_app

from fgtha_constructs import cdk
from fgtha_constructs.bindings.binding import Provider, Resource, to_terraform
from fgtha_constructs.bindings.expression import Expression
from fgtha_constructs.bindings.libvirt import (
    BackingStore,
    LibvirtProvider,
    LibvirtVolume,
    VolumeContent,
    VolumeCreate,
    VolumeFormat,
    VolumeTarget,
)

QCOW2 = VolumeFormat("qcow2")


class JsiiProvider(cdk.TerraformProvider):
    """The reference: a provider whose attributes cdktf asks Python for (a jsii callback)."""

    def __init__(self, scope: cdk.Construct, id: str, *, like: type[Provider], attributes: dict[str, Any]) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type=like.TYPE,
            terraform_generator_metadata=cdk.TerraformProviderGeneratorMetadata(
                provider_name=like.TYPE, provider_version_constraint=like.VERSION
            ),
            terraform_provider_source=like.SOURCE,
        )
        self._attributes = {k: to_terraform(v) for k, v in attributes.items() if v is not None}

    def _synthesize_attributes(self) -> dict[str, Any]:
        return self._attributes


class JsiiResource(cdk.TerraformResource):
    """The reference: a resource whose attributes cdktf asks Python for, overridden through jsii."""

    def __init__(
        self,
        scope: cdk.Construct,
        id: str,
        *,
        like: type[Resource],
        attributes: dict[str, Any],
        replace_triggered_by: tuple[str, ...] = (),
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type=like.TYPE,
            lifecycle=cdk.TerraformResourceLifecycle(replace_triggered_by=list(replace_triggered_by))
            if replace_triggered_by
            else None,
        )
        self._attributes = {k: to_terraform(v) for k, v in attributes.items() if v is not None}

    def _synthesize_attributes(self) -> dict[str, Any]:
        return self._attributes


def _volume(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "pool": "default", "target": VolumeTarget(QCOW2), **extra}


def with_bindings(stack: cdk.TerraformStack) -> None:
    first, second = cdk.Construct(stack, "first"), cdk.Construct(stack, "second")
    late = LibvirtProvider(second, "lv_b", uri="qemu+ssh://b/system", alias="b")
    early = LibvirtProvider(first, "lv_a", uri="qemu:///system", alias="a")  # made later, listed first by cdktf
    plain = LibvirtProvider(stack, "lv", uri="qemu:///session")
    boot = LibvirtVolume(first, "boot", provider=early, **_volume("a.qcow2", backing_store=BackingStore("/i", QCOW2)))
    boot.add_override("lifecycle.prevent_destroy", True)
    boot.add_override("target.format.type", "raw")  # an override over an attribute wins, as in cdktf
    log = LibvirtVolume(second, "log", provider=late, **_volume("b.qcow2"), replace_triggered_by=(boot.address,))
    log.add_override("lifecycle.ignore_changes", ["capacity"])  # merged beside cdktf's replace_triggered_by
    LibvirtVolume(stack, "iso", provider=plain, **_volume("c.iso", create=VolumeCreate(VolumeContent(url=log.path))))


def with_jsii(stack: cdk.TerraformStack) -> None:
    first, second = cdk.Construct(stack, "first"), cdk.Construct(stack, "second")
    JsiiProvider(second, "lv_b", like=LibvirtProvider, attributes={"uri": "qemu+ssh://b/system", "alias": "b"})
    JsiiProvider(first, "lv_a", like=LibvirtProvider, attributes={"uri": "qemu:///system", "alias": "a"})
    JsiiProvider(stack, "lv", like=LibvirtProvider, attributes={"uri": "qemu:///session"})
    attributes = _volume("a.qcow2", backing_store=BackingStore("/i", QCOW2))
    boot = JsiiResource(first, "boot", like=LibvirtVolume, attributes=attributes)
    boot.add_override("provider", "libvirt.a")
    boot.add_override("lifecycle.prevent_destroy", True)
    boot.add_override("target.format.type", "raw")
    address = f"libvirt_volume.{boot.friendly_unique_id}"
    log = JsiiResource(
        second, "log", like=LibvirtVolume, attributes=_volume("b.qcow2"), replace_triggered_by=(address,)
    )
    log.add_override("provider", "libvirt.b")
    log.add_override("lifecycle.ignore_changes", ["capacity"])
    path = Expression.ref(f"libvirt_volume.{log.friendly_unique_id}", "path")
    JsiiResource(
        stack, "iso", like=LibvirtVolume, attributes=_volume("c.iso", create=VolumeCreate(VolumeContent(path)))
    )


def stack_json(build: Callable[[cdk.TerraformStack], None]) -> dict[str, Any]:
    with scratch_app() as app:
        stack = cdk.TerraformStack(app, "s")
        build(stack)
        tf: dict[str, Any] = stack.to_terraform()
        return tf


def test_bindings_synthesize_as_cdktf_writes_the_same_elements_through_jsii() -> None:
    ours, reference = stack_json(with_bindings), stack_json(with_jsii)
    assert ours == reference
    assert [p["alias"] for p in ours["provider"]["libvirt"] if "alias" in p] == ["a", "b"]  # stack order
    assert ours["//"]["metadata"]["overrides"]["libvirt_volume"] == [
        "provider",
        "lifecycle",
        "target",
        "provider",
        "lifecycle",
    ]


@pytest.mark.parametrize(
    "ids",
    [
        ["vm"],
        ["a.b c", "x/y"],  # characters Terraform refuses; a "/" in an id becomes "--"
        ["units", "fgt-a", "boot"],
        ["Default", "disk"],  # "Default" is left out of the id and its hash
        ["units", "Resource", "disk"],  # "Resource" only out of the readable part
        ["config", "drive_config", "config"],  # repeats at the end of the previous id are dropped
        ["n" * 300],  # too long alone: hashed
        ["p" * 200, "q" * 100],  # the readable part is cut at 240 characters
    ],
)
def test_logical_ids_are_cdktfs(ids: list[str]) -> None:
    with scratch_app() as app:
        stack = cdk.TerraformStack(app, "s")
        provider = LibvirtProvider(stack, "lv", uri="qemu:///system")
        scope: cdk.Construct = stack
        for component in ids[:-1]:
            scope = cdk.Construct(scope, component)
        volume = LibvirtVolume(scope, ids[-1], provider=provider, name="v", pool="default")
        assert volume.logical_id == volume.friendly_unique_id
        assert volume.logical_id in stack.to_terraform()["resource"]["libvirt_volume"]


def test_a_binding_needs_a_project_stack() -> None:
    with scratch_app() as app:
        raw = cdk.TerraformStack.__mro__[1](app, "raw")  # cdktf's own TerraformStack
        with pytest.raises(TypeError, match="'lv': a binding's stack must be a fgtha_constructs.cdk.TerraformStack"):
            LibvirtProvider(raw, "lv", uri="qemu:///system")
