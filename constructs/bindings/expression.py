"""Terraform expressions the project writes on purpose, and the escaping that keeps every other string literal.

Terraform reads every string of the synthesized JSON as a template: ``${...}``
is evaluated, ``%{...}`` is a directive. A value of the spec must never become
code, so the bindings synthesize a plain ``str`` as literal text
(:func:`literal_template`), and only an :class:`Expression` passes as an
expression. An ``Expression`` is made only here, from parts the project
chose: a reference, a variable, a function call whose arguments are escaped
HCL strings, or a template joining literal text and expressions.

The escaping also breaks cdktf's own token markers (``${TfToken[...]}``,
``#{TfToken[...]}``), which cdktf would otherwise resolve inside any string.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class _Interpolation:
    """An HCL expression of ours, written inside ``${...}``."""

    hcl: str


@dataclass(frozen=True)
class Expression:
    """A Terraform value built on purpose: literal text (escaped) and interpolations, in order.

    An expression of one interpolation and no text synthesizes as ``${X}`` and keeps
    the value's type (a bool variable stays a bool); anything else is a string template.
    """

    parts: tuple[str | _Interpolation, ...]

    @staticmethod
    def hcl(text: str) -> Expression:
        """An HCL expression the project wrote (``var.x``, ``path.root``); never pass a spec value here."""
        return Expression((_Interpolation(text),))

    @staticmethod
    def ref(address: str, attribute: str) -> Expression:
        """``<address>.<attribute>``: an attribute of a resource of this stack (``ValueError`` unless names)."""
        return Expression.hcl(_traversal(*address.split("."), attribute))

    @staticmethod
    def var(name: str) -> Expression:
        """``var.<name>``: a variable of this stack (``ValueError`` unless ``name`` is a Terraform name)."""
        return Expression.hcl(_traversal("var", name))

    @staticmethod
    def call(function: str, *args: str | Expression) -> Expression:
        """``function(args...)``; a ``str`` argument becomes an escaped HCL string (it stays that text)."""
        return Expression.hcl(f"{function}({', '.join(_operand(a) for a in args)})")

    @staticmethod
    def join(*parts: str | Expression) -> Expression:
        """A string template: each ``str`` literal, each expression interpolated, in order."""
        flat: list[str | _Interpolation] = []
        for part in parts:
            flat.extend(part.parts if isinstance(part, Expression) else (part,))
        return Expression(tuple(flat))

    def template(self) -> str:
        """The expression as a string of Terraform JSON (a template)."""
        return _render(self.parts, _template_text)


def _traversal(*names: str) -> str:
    """``a.b.c`` from Terraform names; anything else is refused, so a reference can never carry code."""
    bad = [n for n in names if not _NAME.fullmatch(n)]
    if bad:
        raise ValueError(f"not a Terraform name: {bad[0]!r}")
    return ".".join(names)


def literal_template(text: str) -> str:
    """``text`` as a string of Terraform JSON that Terraform (and cdktf) reads back as exactly ``text``."""
    return _render((text,), _template_text)


def hcl_string(text: str) -> str:
    """``text`` as a quoted HCL string (native syntax) whose value is exactly ``text``."""
    return _operand(text)


def has_interpolation(template: str) -> bool:
    """Whether a string of Terraform JSON holds a ``${...}`` that Terraform evaluates.

    Terraform reads ``${`` after a ``$`` as literal text (``$${`` is the escape, and ``$$${``
    a literal ``$`` and the escape): only a ``${`` without a ``$`` before it starts an expression.
    """
    return _INTERPOLATION.search(template) is not None


def _operand(value: str | Expression) -> str:
    if isinstance(value, Expression) and len(value.parts) == 1 and isinstance(value.parts[0], _Interpolation):
        return value.parts[0].hcl
    parts = value.parts if isinstance(value, Expression) else (value,)
    return '"' + _render(parts, _quoted_text) + '"'


_INTERPOLATION = re.compile(r"(?<!\$)\$\{")
#: A Terraform identifier: resource types, logical ids, attributes, variables.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_QUOTED = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _template_text(text: str) -> str:
    """Literal text inside a template: Terraform's escapes for ``${`` and ``%{``, cdktf's markers broken."""
    escaped = text.replace("${", "$${").replace("%{", "%%{")
    return escaped.replace("{TfToken[", '{${"TfToken["}')


def _quoted_text(text: str) -> str:
    """Literal text inside a quoted HCL string: backslash escapes first, then the template escapes."""
    quoted = "".join(_QUOTED.get(c, f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c) for c in text)
    return _template_text(quoted)


def _render(parts: tuple[str | _Interpolation, ...], text_form: Callable[[str], str]) -> str:
    """Join parts: adjacent texts merged and escaped with ``text_form``, interpolations as ``${...}``.

    A text that ends in ``$`` right before an interpolation would turn that ``${`` into the
    escape ``$${``; such trailing dollars are written as an interpolation of their own.
    """
    out: list[str] = []
    text = ""
    for part in (*parts, None):
        if isinstance(part, str):
            text += part
            continue
        if part is not None:
            stripped = text.rstrip("$")
            out.append(text_form(stripped))
            if len(stripped) < len(text):
                out.append('${"' + "$" * (len(text) - len(stripped)) + '"}')
            out.append("${" + part.hcl + "}")
        else:
            out.append(text_form(text))
        text = ""
    return "".join(out)
