"""The cluster's secrets as sensitive Terraform variables, and user data that refers to them.

A spec's secret reference ``{variable: NAME}`` or ``{env: NAME}`` becomes the
sensitive variable ``NAME`` (for ``{env: NAME}`` the user passes it on as
``TF_VAR_NAME="$NAME"``). The synthesized JSON holds ``${var.NAME}``, never a
value; Terraform inserts the value at apply time.
"""

from __future__ import annotations

import re
import secrets

from fgtha.fortios.bootstrap import render_unit
from fgtha.fortios.secrets import ADMIN_PASSWORD, API_KEY, HA_PASSWORD, LICENSE_TOKEN, BootstrapSecrets, SecretRule
from fgtha.spec.model import ClusterSpec, SecretRef, Unit

from .bindings.expression import Expression
from .cdk import Construct, TerraformStack, TerraformVariable, TerraformVariableValidationConfig

_SENTINEL = "FGTHA-SENTINEL-{}-{}"


def var_ref(name: str) -> Expression:
    """``${var.<name>}``: a variable created directly in a stack is named by its id (no jsii round trip)."""
    return Expression.var(name)


class SecretVariables:
    """The sensitive string variables of one stack, each created once, checked by its :class:`SecretRule`."""

    def __init__(self, stack: TerraformStack) -> None:
        self.stack = stack
        self._names: set[str] = set()

    @classmethod
    def of(cls, scope: Construct) -> SecretVariables:
        """The registry of the stack that ``scope`` belongs to (or is)."""
        stack = scope if isinstance(scope, TerraformStack) else TerraformStack.of(scope)
        registry = getattr(stack, "_fgtha_secret_variables", None)
        if registry is None:
            registry = cls(stack)
            stack._fgtha_secret_variables = registry  # type: ignore[attr-defined]
        return registry

    def ref(self, name: str, description: str, rule: SecretRule = ADMIN_PASSWORD) -> Expression:
        """``${var.<name>}`` of the stack's variable ``name``, created on first use, validated by ``rule``
        (the rule the CLI applies to the same secret: :mod:`fgtha.fortios.secrets`)."""
        if name not in self._names:
            validation = [
                TerraformVariableValidationConfig(condition=condition, error_message=message)
                for condition, message in rule.terraform_conditions(name)
            ]
            TerraformVariable(
                self.stack, name, type="string", sensitive=True, description=description, validation=validation
            )
            self._names.add(name)
        return var_ref(name)


def _secret(variables: SecretVariables, ref: SecretRef, what: str, rule: SecretRule) -> Expression:
    return variables.ref(ref.name, f"{what} (sensitive; never written to cdktf.out)", rule)


def ha_password(variables: SecretVariables, spec: ClusterSpec) -> Expression:
    """The FGCP password, as a reference to its sensitive variable."""
    return _secret(variables, spec.secrets.ha_password, "FGCP HA password", HA_PASSWORD)


def api_key(variables: SecretVariables, spec: ClusterSpec) -> Expression | None:
    """The cluster's REST API key as a reference to its sensitive variable; None without ``secrets.api_key``."""
    if spec.secrets.api_key is None:
        return None
    return _secret(variables, spec.secrets.api_key, "REST API key of every unit", API_KEY)


def license_token(variables: SecretVariables, unit: Unit) -> Expression | None:
    """The unit's FortiFlex token as a reference to its sensitive variable; None without ``license_token``."""
    if unit.license_token is None:
        return None
    return _secret(variables, unit.license_token, f"FortiFlex licence token of {unit.name}", LICENSE_TOKEN)


def user_data(variables: SecretVariables, spec: ClusterSpec, unit: Unit) -> Expression:
    """The unit's FortiOS bootstrap as a Terraform string template: the rendered text stays literal
    (a ``${...}`` in a spec value reaches the drive as written), each secret is a variable reference."""
    marker = secrets.token_hex(8)  # unguessable: no spec value can contain a sentinel
    key = api_key(variables, spec)
    names = ("ha_password", "admin_password", *(("api_key",) if key is not None else ()))
    sentinels = {name: _SENTINEL.format(name, marker) for name in names}
    refs = {
        sentinels["ha_password"]: ha_password(variables, spec),
        sentinels["admin_password"]: _secret(
            variables, spec.secrets.admin_password, "FortiGate admin password", ADMIN_PASSWORD
        ),
    }
    if key is not None:
        refs[sentinels["api_key"]] = key
    text = render_unit(spec, unit, BootstrapSecrets(**sentinels))
    pieces = re.split("(" + "|".join(map(re.escape, refs)) + ")", text)
    return Expression.join(*(refs.get(piece, piece) for piece in pieces))
