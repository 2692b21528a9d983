"""Base classes for the hand-written provider bindings.

A binding is a subclass of :class:`Resource` or :class:`Provider` whose
``__init__`` takes typed keyword arguments; nested attributes are frozen
dataclasses. At synth time the arguments become plain Terraform JSON:
dataclasses turn into objects, tuples into lists, and ``None`` is left out.
A ``str`` is always literal text (escaped for Terraform's template syntax);
only an :class:`~fgtha_constructs.bindings.expression.Expression` is
synthesized as an expression.
Which attributes exist and what they hold is checked against the schema
subsets in ``schemas/`` by :mod:`fgtha_constructs.bindings.schema_check`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any, ClassVar

from ..cdk import (
    Construct,
    TerraformProvider,
    TerraformProviderGeneratorMetadata,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
    child_order,
    child_path,
    construct_path,
    deep_merge,
    stack_of,
)
from .expression import Expression, literal_template
from .logical_id import logical_id


def to_terraform(value: Any) -> Any:
    """A binding value as Terraform JSON: dataclasses become objects, sequences lists, ``None`` is dropped;
    a ``str`` is escaped so that Terraform reads it back unchanged, an :class:`Expression` is written as one."""
    if isinstance(value, str):
        return literal_template(value)
    if isinstance(value, Expression):
        return value.template()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_terraform(v) for f in fields(value) if (v := getattr(value, f.name)) is not None}
    if isinstance(value, (list, tuple)):
        return [to_terraform(v) for v in value]
    if isinstance(value, (bool, int, float)):
        return value
    # fail closed: a value of another kind (a dict, whose keys Terraform reads as templates too) has no
    # escaping here, so it must get a form of its own before a binding takes it
    raise TypeError(f"a binding attribute cannot be a {type(value).__name__}")


#: Parameters of a binding's ``__init__`` that are not Terraform attributes.
_NOT_ATTRIBUTES = frozenset({"self", "scope", "id", "provider", "alias", "replace_triggered_by", "__class__"})


def keyword_attributes(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A binding's keyword arguments (its ``locals()`` on entry) as Terraform attributes: each keeps its name."""
    return {k: v for k, v in arguments.items() if k not in _NOT_ATTRIBUTES}


def _attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: to_terraform(v) for k, v in values.items() if v is not None}


@cache
def _generator_metadata(provider_name: str, version_constraint: str) -> TerraformProviderGeneratorMetadata:
    """One metadata struct per provider type, built once (each struct costs jsii's runtime type checks)."""
    return TerraformProviderGeneratorMetadata(
        provider_name=provider_name, provider_version_constraint=version_constraint
    )


class Provider(TerraformProvider):
    """A provider configuration; ``alias`` selects one of several configurations of the same provider.

    Its attributes are written by its stack, as a :class:`Resource`'s are. cdktf lists the configurations
    of one provider type in stack order (depth first), which their creation numbers along the path give
    (:func:`~fgtha_constructs.cdk.child_order`); so the scope must be made through ``fgtha_constructs.cdk``.
    """

    TYPE: ClassVar[str]
    SOURCE: ClassVar[str]
    VERSION: ClassVar[str]

    def __init__(self, scope: Construct, id: str, *, alias: str | None, attributes: Mapping[str, Any]) -> None:
        stack = _binding_stack(scope, type(self).__name__, id)
        order = child_order(scope)
        if order is None:
            raise TypeError(
                f"{type(self).__name__} {id!r}: a provider's scope must be made through fgtha_constructs.cdk"
            )
        super().__init__(
            scope,
            id,
            terraform_resource_type=self.TYPE,
            terraform_generator_metadata=_generator_metadata(self.TYPE, self.VERSION),
            terraform_provider_source=self.SOURCE,
        )
        # cdktf's base class keeps no alias of its own, and a Python ``alias`` property costs a jsii
        # callback on every read: the alias goes into the attributes instead, and each resource of an
        # aliased configuration names it itself (see Resource).
        self.alias_name = alias
        self._values = {**attributes, "alias": alias}
        self._order = order
        _StackBindings.of(stack).providers.append(self)

    @property
    def address(self) -> str:
        """How resources refer to this configuration: ``type`` or ``type.alias``."""
        return f"{self.TYPE}.{self.alias_name}" if self.alias_name else self.TYPE


def _binding_stack(scope: Construct, kind: str, id: str) -> TerraformStack:
    stack = stack_of(scope)
    if not isinstance(stack, TerraformStack):
        raise TypeError(f"{kind} {id!r}: a binding's stack must be a fgtha_constructs.cdk.TerraformStack")
    return stack


class Resource(TerraformResource):
    """A managed resource of one provider configuration.

    Its attributes and overrides stay on the Python side: its stack (a
    :class:`~fgtha_constructs.cdk.TerraformStack`) writes them into cdktf's JSON of the resource at synth,
    for all its bindings in one callback (:class:`_StackBindings`), where a resource of its own would
    cost a callback from Node.js per resource. The JSON is the same: attributes, then cdktf's
    meta-arguments, then the overrides, each merged as cdktf merges them, and the overridden keys listed
    in the stack's ``//`` metadata as cdktf lists them.
    """

    TYPE: ClassVar[str]

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        provider: Provider,
        attributes: Mapping[str, Any],
        replace_triggered_by: Sequence[str] = (),
    ) -> None:
        stack = stack_of(scope)
        if not isinstance(stack, TerraformStack):
            raise TypeError(
                f"{type(self).__name__} {id!r}: a binding's stack must be a fgtha_constructs.cdk.TerraformStack"
            )
        super().__init__(
            scope,
            id,
            terraform_resource_type=self.TYPE,
            lifecycle=TerraformResourceLifecycle(replace_triggered_by=list(replace_triggered_by))
            if replace_triggered_by
            else None,
        )
        self._values = dict(attributes)
        self._overrides: dict[str, Any] = {}
        self._path = child_path(scope, id)
        stack_path = construct_path(stack)
        below = self._path[len(stack_path) + 1 :] if stack_path else self._path
        #: The resource's logical id in its stack (cdktf's ``friendlyUniqueId``), computed without a jsii round trip.
        self.logical_id = logical_id(below.split("/"))
        _StackBindings.of(stack).resources.append(self)
        if provider.alias_name is not None:  # cdktf drops a synthesized "provider": name the configuration here
            self.add_override("provider", provider.address)

    def add_override(self, path: str, value: Any) -> None:
        """cdktf's ``addOverride`` (``"lifecycle.prevent_destroy"``), kept on the Python side until synth."""
        parts = path.split(".")
        target = self._overrides
        for key in parts[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[parts[-1]] = value

    @property
    def address(self) -> str:
        """``<type>.<logical id>``, as ``replace_triggered_by`` and references name the resource."""
        return f"{self.TYPE}.{self.logical_id}"

    def ref(self, attribute: str) -> Expression:
        """``${<type>.<logical id>.<attribute>}``: a reference Terraform resolves, valid within this resource's stack.

        A plain expression rather than a cdktf token: synth has nothing to resolve.
        """
        return Expression.ref(self.address, attribute)

    def _body(self, cdktf_body: dict[str, Any]) -> dict[str, Any]:
        """The resource's JSON: its attributes, cdktf's part (meta-arguments) over them, the overrides over all."""
        metadata = cdktf_body.pop("//", {})
        body = deep_merge(deep_merge(_attributes(self._values), cdktf_body), self._overrides)
        body["//"] = {**body.get("//", {}), **metadata}
        return body


class _StackBindings:
    """The binding providers and resources of one stack, written into cdktf's JSON of the stack at each synth."""

    def __init__(self, stack: TerraformStack) -> None:
        self.providers: list[Provider] = []
        self.resources: list[Resource] = []
        stack.complete_with(self.complete)

    @classmethod
    def of(cls, stack: TerraformStack) -> _StackBindings:
        found: _StackBindings | None = getattr(stack, "_fgtha_bindings", None)
        if found is None:
            found = cls(stack)
            stack._fgtha_bindings = found  # type: ignore[attr-defined]
        return found

    def complete(self, tf: dict[str, Any]) -> None:
        """The providers' and resources' attributes and overrides into their blocks."""
        self._complete_providers(tf.get("provider", {}))
        self._complete_resources(tf)

    def _complete_providers(self, blocks: dict[str, list[dict[str, Any]]]) -> None:
        """cdktf lists a provider type's configurations in stack order, each with its (jsii) overrides only."""
        by_type: dict[str, list[Provider]] = {}
        for provider in self.providers:
            by_type.setdefault(provider.TYPE, []).append(provider)
        for ptype, providers in by_type.items():
            configs = blocks.get(ptype, [])
            if len(configs) != len(providers):
                raise RuntimeError(f"provider {ptype}: a stack cannot mix binding and other configurations of it")
            providers.sort(key=lambda p: p._order)
            blocks[ptype] = [deep_merge(_attributes(p._values), c) for p, c in zip(providers, configs, strict=True)]

    def _complete_resources(self, tf: dict[str, Any]) -> None:
        blocks = tf.get("resource", {})
        ours: dict[tuple[str, str], Resource] = {}
        for resource in self.resources:
            body = blocks.get(resource.TYPE, {}).get(resource.logical_id)
            if body is None or body.get("//", {}).get("metadata", {}).get("path") != resource._path:
                raise RuntimeError(f"{resource._path}: not synthesized as {resource.address}")
            ours[resource.TYPE, resource.logical_id] = resource
        listed: dict[str, list[str]] = {}
        for rtype, bodies in blocks.items():
            for name in bodies:
                resource = ours.get((rtype, name))
                if resource is not None:
                    bodies[name] = resource._body(bodies[name])
                    if resource._overrides:
                        listed.setdefault(rtype, []).extend(resource._overrides)
        # cdktf lists each element's overridden keys in stack order, which is the order of the blocks; keys of
        # non-binding resources of the same type (overridden through jsii) come first here
        if listed:
            overrides = tf.setdefault("//", {}).setdefault("metadata", {}).setdefault("overrides", {})
            for rtype, keys in listed.items():
                overrides[rtype] = [*overrides.get(rtype, []), *keys]
