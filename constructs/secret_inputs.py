"""The cluster's secrets as sensitive Terraform variables, and user data that refers to them.

A spec's secret reference ``{variable: NAME}`` or ``{env: NAME}`` becomes the
sensitive variable ``NAME`` (for ``{env: NAME}`` the user passes it on as
``TF_VAR_NAME="$NAME"``). The synthesized JSON holds ``${var.NAME}``, never a
value; Terraform inserts the value at apply time.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from fgtha.fortios.bootstrap import render_unit
from fgtha.fortios.secrets import BootstrapSecrets
from fgtha.spec.facts import API_KEY_ALPHABET, API_KEY_LENGTH, HA_PASSWORD_MAX, LICENSE_TOKEN_ALPHABET
from fgtha.spec.model import ClusterSpec, SecretRef, Unit

from .bindings.expression import Expression
from .cdk import Construct, TerraformStack, TerraformVariable, TerraformVariableValidationConfig

#: A value FortiOS can take inside a quoted CLI argument that was quoted before the value was known.
_QUOTABLE = TerraformVariableValidationConfig(
    condition='${length(var.%s) > 0 && length(regexall("[\\"\\\\\\\\[:cntrl:]]", var.%s)) == 0}',
    error_message="Must be non-empty and contain no double quote, backslash, newline or other control character.",
)
#: The FGCP password's length limit, checked by Terraform before the config drive is written.
_HA_PASSWORD_LENGTH = TerraformVariableValidationConfig(
    condition=f"${{length(var.%s) <= {HA_PASSWORD_MAX}}}",
    error_message=f"FortiOS takes an HA password of at most {HA_PASSWORD_MAX} characters.",
)
#: The REST API key's form (``set api-key``), checked by Terraform as the CLI checks it (fgtha.fortios.secrets).
_API_KEY_FORM = TerraformVariableValidationConfig(
    condition=f'${{length(regexall("^[{API_KEY_ALPHABET}]{{{API_KEY_LENGTH}}}$", var.%s)) == 1}}',
    error_message=f"FortiOS takes a REST API key of exactly {API_KEY_LENGTH} letters and digits.",
)
#: A FortiFlex token is one word of letters and digits (the line LICENSE-TOKEN:<token>).
_LICENSE_TOKEN_FORM = TerraformVariableValidationConfig(
    condition=f'${{length(regexall("^[{LICENSE_TOKEN_ALPHABET}]+$", var.%s)) == 1}}',
    error_message="A FortiFlex licence token holds only letters and digits.",
)
_SENTINEL = "FGTHA-SENTINEL-{}-{}"


def var_ref(name: str) -> Expression:
    """``${var.<name>}``: a variable created directly in a stack is named by its id (no jsii round trip)."""
    return Expression.var(name)


class SecretVariables:
    """The sensitive string variables of one stack, each created once, refusing values that cannot be quoted."""

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

    def ref(self, name: str, description: str, rules: Sequence[TerraformVariableValidationConfig] = ()) -> Expression:
        """``${var.<name>}`` of the stack's variable ``name``, created on first use with ``rules`` besides quotability."""
        if name not in self._names:
            validation = [
                TerraformVariableValidationConfig(
                    condition=r.condition.replace("%s", name), error_message=r.error_message
                )
                for r in (_QUOTABLE, *rules)
            ]
            TerraformVariable(
                self.stack, name, type="string", sensitive=True, description=description, validation=validation
            )
            self._names.add(name)
        return var_ref(name)


def _secret(
    variables: SecretVariables, ref: SecretRef, what: str, rules: Sequence[TerraformVariableValidationConfig] = ()
) -> Expression:
    return variables.ref(ref.name, f"{what} (sensitive; never written to cdktf.out)", rules)


def ha_password(variables: SecretVariables, spec: ClusterSpec) -> Expression:
    """The FGCP password, as a reference to its sensitive variable."""
    return _secret(variables, spec.secrets.ha_password, "FGCP HA password", (_HA_PASSWORD_LENGTH,))


def api_key(variables: SecretVariables, spec: ClusterSpec) -> Expression | None:
    """The cluster's REST API key as a reference to its sensitive variable; None without ``secrets.api_key``."""
    if spec.secrets.api_key is None:
        return None
    return _secret(variables, spec.secrets.api_key, "REST API key of every unit", (_API_KEY_FORM,))


def license_token(variables: SecretVariables, unit: Unit) -> Expression | None:
    """The unit's FortiFlex token as a reference to its sensitive variable; None without ``license_token``."""
    if unit.license_token is None:
        return None
    return _secret(variables, unit.license_token, f"FortiFlex licence token of {unit.name}", (_LICENSE_TOKEN_FORM,))


def user_data(variables: SecretVariables, spec: ClusterSpec, unit: Unit) -> Expression:
    """The unit's FortiOS bootstrap as a Terraform string template: the rendered text stays literal
    (a ``${...}`` in a spec value reaches the drive as written), each secret is a variable reference."""
    marker = secrets.token_hex(8)  # unguessable: no spec value can contain a sentinel
    key = api_key(variables, spec)
    names = ("ha_password", "admin_password", *(("api_key",) if key is not None else ()))
    sentinels = {name: _SENTINEL.format(name, marker) for name in names}
    refs = {
        sentinels["ha_password"]: ha_password(variables, spec),
        sentinels["admin_password"]: _secret(variables, spec.secrets.admin_password, "FortiGate admin password"),
    }
    if key is not None:
        refs[sentinels["api_key"]] = key
    text = render_unit(spec, unit, BootstrapSecrets(**sentinels))
    pieces = re.split("(" + "|".join(map(re.escape, refs)) + ")", text)
    return Expression.join(*(refs.get(piece, piece) for piece in pieces))
