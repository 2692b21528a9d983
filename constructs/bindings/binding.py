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
from functools import cache, cached_property
from typing import Any, ClassVar

from ..cdk import (
    Construct,
    TerraformProvider,
    TerraformProviderGeneratorMetadata,
    TerraformResource,
    TerraformResourceLifecycle,
)
from .expression import Expression, literal_template


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
    """A provider configuration; ``alias`` selects one of several configurations of the same provider."""

    TYPE: ClassVar[str]
    SOURCE: ClassVar[str]
    VERSION: ClassVar[str]

    def __init__(self, scope: Construct, id: str, *, alias: str | None, attributes: Mapping[str, Any]) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type=self.TYPE,
            terraform_generator_metadata=_generator_metadata(self.TYPE, self.VERSION),
            terraform_provider_source=self.SOURCE,
        )
        # cdktf's base class keeps no alias of its own, and a Python ``alias`` property costs a jsii
        # callback on every read: the alias goes into the synthesized attributes instead, and each
        # resource of an aliased configuration names it itself (see Resource).
        self.alias_name = alias
        self._values = {**attributes, "alias": alias}

    @property
    def address(self) -> str:
        """How resources refer to this configuration: ``type`` or ``type.alias``."""
        return f"{self.TYPE}.{self.alias_name}" if self.alias_name else self.TYPE

    def _synthesize_attributes(self) -> dict[str, Any]:
        return _attributes(self._values)


class Resource(TerraformResource):
    """A managed resource of one provider configuration."""

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
        super().__init__(
            scope,
            id,
            terraform_resource_type=self.TYPE,
            lifecycle=TerraformResourceLifecycle(replace_triggered_by=list(replace_triggered_by))
            if replace_triggered_by
            else None,
        )
        if provider.alias_name is not None:  # cdktf drops a synthesized "provider": name the configuration here
            self.add_override("provider", provider.address)
        self._values = dict(attributes)

    @cached_property
    def address(self) -> str:
        """``<type>.<logical id>``, as ``replace_triggered_by`` and references name the resource."""
        return f"{self.TYPE}.{self.friendly_unique_id}"

    def ref(self, attribute: str) -> Expression:
        """``${<type>.<logical id>.<attribute>}``: a reference Terraform resolves, valid within this resource's stack.

        A plain expression rather than a cdktf token: the logical id is read from jsii once per resource,
        not once per attribute, and synth has nothing to resolve.
        """
        return Expression.ref(self.address, attribute)

    def _synthesize_attributes(self) -> dict[str, Any]:
        return _attributes(self._values)
