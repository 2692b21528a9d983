"""The one module that imports the CDK runtime: CDK for Terraform (``cdktf`` 0.21) or its fork CDK Terrain (``cdktn``).

Everything else in the project imports these names from here. Which runtime: ``FGTHA_CDK=cdktf`` or
``FGTHA_CDK=cdktn`` when set, else ``cdktf`` when it is installed (the product's pinned dependency), else
``cdktn``. The two cannot share a virtualenv's pins (cdktn 0.24 brings constructs 10.7.2, cdktf 0.21 is
pinned with constructs 10.8.1): a venv holds one of them, and this module picks what is there. Both have
the same construct model, and the synthesized Terraform JSON (``cdktf.out``) is the same.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable, Mapping
from typing import Any

from . import boot

RUNTIME_ENV = boot.RUNTIME_ENV
RUNTIMES = boot.RUNTIMES

boot.wait()  # an early start (fgtha_constructs.boot) must be done before the runtime is imported
_cdk = importlib.import_module(boot.runtime_name())
#: The runtime in use: ``cdktf`` or ``cdktn``.
RUNTIME: str = _cdk.__name__

App = _cdk.App
TerraformBackend = _cdk.TerraformBackend
TerraformOutput = _cdk.TerraformOutput
TerraformProvider = _cdk.TerraformProvider
TerraformProviderGeneratorMetadata = _cdk.TerraformProviderGeneratorMetadata
TerraformResource = _cdk.TerraformResource
TerraformResourceLifecycle = _cdk.TerraformResourceLifecycle
TerraformVariable = _cdk.TerraformVariable
TerraformVariableValidationConfig = _cdk.TerraformVariableValidationConfig
Testing = _cdk.Testing

from constructs import Construct as _Construct  # noqa: E402  (after the runtime, which pins the constructs it needs)

#: Python-side completions of a stack's Terraform JSON, run in order at synth (see :class:`TerraformStack`).
Completion = Callable[[dict[str, Any]], None]


def construct_path(scope: _Construct) -> str:
    """``scope.node.path``, known on the Python side for the constructs made here (asked from jsii once otherwise)."""
    path = getattr(scope, "_fgtha_path", None)
    if path is None:
        path = "" if isinstance(scope, App) else scope.node.path
        scope._fgtha_path = path  # type: ignore[attr-defined]
    return path


def child_path(scope: _Construct, id: str) -> str:
    """The path a construct ``id`` gets under ``scope`` (an id's ``/`` becomes ``--``, as constructs writes it)."""
    parent = construct_path(scope)
    child = id.replace("/", "--")
    return f"{parent}/{child}" if parent else child


_created = itertools.count()


def child_order(scope: _Construct) -> tuple[int, ...] | None:
    """A sort key of a new child of ``scope`` in stack order (cdktf's depth-first order of elements), or None.

    Children follow their parent and keep the order they were made in, so the creation numbers along
    the path sort constructs as cdktf visits them. None when ``scope`` was not made here (not known).
    """
    parent: tuple[int, ...] | None = () if isinstance(scope, App) else getattr(scope, "_fgtha_order", None)
    return None if parent is None else (*parent, next(_created))


def deep_merge(target: dict[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    """cdktf's ``deepMerge`` on JSON: objects merged key by key, lists appended, anything else replaced."""
    for key, value in source.items():
        if isinstance(value, Mapping):
            if not isinstance(target.get(key), dict):
                target[key] = {}
            deep_merge(target[key], value)
        elif isinstance(value, list) and isinstance(target.get(key), list):
            target[key] = [*target[key], *value]
        else:
            target[key] = value
    return target


def stack_of(scope: _Construct) -> _cdk.TerraformStack:
    """``TerraformStack.of(scope)``, known on the Python side for the constructs made here."""
    stack = getattr(scope, "_fgtha_stack", None)
    if stack is None:
        stack = scope if isinstance(scope, _cdk.TerraformStack) else _cdk.TerraformStack.of(scope)
        scope._fgtha_stack = stack  # type: ignore[attr-defined]
    return stack


class Construct(_Construct):
    """constructs' ``Construct`` that also knows its path and its stack on the Python side (no jsii round trip)."""

    def __init__(self, scope: _Construct, id: str) -> None:
        super().__init__(scope, id)
        self._fgtha_path = child_path(scope, id)
        self._fgtha_order = child_order(scope)
        stack = scope if isinstance(scope, _cdk.TerraformStack) else getattr(scope, "_fgtha_stack", None)
        if stack is not None:  # else asked when needed: a construct may sit above the stacks
            self._fgtha_stack = stack


class TerraformStack(_cdk.TerraformStack):
    """cdktf's ``TerraformStack``; what Python adds to its Terraform JSON is added here, in one callback per synth.

    cdktf asks each element for its JSON at synth; an element whose JSON is made in Python would cost a
    callback from Node.js into Python per element. Elements made in Python register a completion here
    (:meth:`complete_with`) instead, and this stack runs them all on cdktf's JSON of the stack.
    """

    def __init__(self, scope: _Construct, id: str) -> None:
        super().__init__(scope, id)
        self._fgtha_path = child_path(scope, id)
        self._fgtha_order = child_order(scope)
        self._fgtha_completions: list[Completion] = []

    def complete_with(self, completion: Completion) -> None:
        """Run ``completion`` on the stack's Terraform JSON at every synth, after cdktf made it."""
        self._fgtha_completions.append(completion)

    def to_terraform(self) -> Any:
        """cdktf's Terraform JSON of the stack, completed by every registered completion."""
        tf = super().to_terraform()
        for completion in self._fgtha_completions:
            completion(tf)
        return tf


__all__ = [
    "RUNTIME",
    "App",
    "Construct",
    "TerraformBackend",
    "TerraformOutput",
    "TerraformProvider",
    "TerraformProviderGeneratorMetadata",
    "TerraformResource",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "TerraformVariable",
    "TerraformVariableValidationConfig",
    "Testing",
    "child_order",
    "child_path",
    "construct_path",
    "deep_merge",
    "stack_of",
]
