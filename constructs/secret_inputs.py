"""The cluster's secrets as sensitive Terraform variables, and user data that refers to them.

A spec's secret reference ``{variable: NAME}`` or ``{env: NAME}`` becomes the
sensitive variable ``NAME`` (for ``{env: NAME}`` the user passes it on as
``TF_VAR_NAME="$NAME"``). The synthesized JSON holds ``${var.NAME}``, never a
value; Terraform inserts the value at apply time.
"""

from __future__ import annotations

from fgtha.bootstrap import BootstrapSecrets, render_unit
from fgtha.model import ClusterSpec, SecretRef, Unit

from .cdk import Construct, TerraformStack, TerraformVariable, TerraformVariableValidationConfig

#: A value FortiOS can take inside a quoted CLI argument that was quoted before the value was known.
_QUOTABLE = TerraformVariableValidationConfig(
    condition='${length(var.%s) > 0 && length(regexall("[\\"\\\\\\\\[:cntrl:]]", var.%s)) == 0}',
    error_message="Must be non-empty and contain no double quote, backslash, newline or other control character.",
)
_SENTINEL = "FGTHA-SENTINEL-{}-5e1d"


def sensitive_variable(scope: Construct, name: str, description: str) -> TerraformVariable:
    """The stack's sensitive string variable ``name`` (created once per stack), refusing unquotable values."""
    stack = TerraformStack.of(scope)
    existing = stack.node.try_find_child(name)
    if isinstance(existing, TerraformVariable):
        return existing
    rule = TerraformVariableValidationConfig(
        condition=_QUOTABLE.condition % (name, name), error_message=_QUOTABLE.error_message
    )
    return TerraformVariable(stack, name, type="string", sensitive=True, description=description, validation=[rule])


def _secret(scope: Construct, ref: SecretRef, what: str) -> str:
    return sensitive_variable(scope, ref.name, f"{what} (sensitive; never written to cdktf.out)").string_value


def ha_password(scope: Construct, spec: ClusterSpec) -> str:
    """The FGCP password, as a reference to its sensitive variable."""
    return _secret(scope, spec.secrets.ha_password, "FGCP HA password")


def _escape_template(text: str) -> str:
    return text.replace("${", "$${").replace("%{", "%%{")


def user_data(scope: Construct, spec: ClusterSpec, unit: Unit) -> str:
    """The unit's FortiOS bootstrap with its secrets as variable references (a Terraform string template)."""
    refs = {
        "ha_password": _secret(scope, spec.secrets.ha_password, "FGCP HA password"),
        "admin_password": _secret(scope, spec.secrets.admin_password, "FortiGate admin password"),
    }
    sentinels = {name: _SENTINEL.format(name) for name in refs}
    text = _escape_template(render_unit(spec, unit, BootstrapSecrets(**sentinels)))
    for name, sentinel in sentinels.items():
        text = text.replace(sentinel, refs[name])
    return text
