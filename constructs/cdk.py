"""The one module that imports the CDK runtime: CDK for Terraform (``cdktf`` 0.21) or its fork CDK Terrain (``cdktn``).

Everything else in the project imports these names from here. Which runtime: ``FGTHA_CDK=cdktf`` or
``FGTHA_CDK=cdktn`` when set, else ``cdktf`` when it is installed (the product's pinned dependency), else
``cdktn``. The two cannot share a virtualenv's pins (cdktn 0.24 brings constructs 10.7.2, cdktf 0.21 is
pinned with constructs 10.8.1): a venv holds one of them, and this module picks what is there. Both have
the same construct model, and the synthesized Terraform JSON (``cdktf.out``) is the same.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

RUNTIME_ENV = "FGTHA_CDK"
RUNTIMES = ("cdktf", "cdktn")


def _load() -> ModuleType:
    chosen = os.environ.get(RUNTIME_ENV)
    if chosen and chosen not in RUNTIMES:
        raise ImportError(f"{RUNTIME_ENV}={chosen!r}: choose one of {', '.join(RUNTIMES)}")
    for name in (chosen,) if chosen else RUNTIMES:
        try:
            return importlib.import_module(name)  # type: ignore[arg-type]
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    raise ImportError(f"neither {' nor '.join(RUNTIMES)} is installed" if not chosen else f"{chosen} is not installed")


_cdk = _load()
#: The runtime in use: ``cdktf`` or ``cdktn``.
RUNTIME: str = _cdk.__name__

App = _cdk.App
TerraformBackend = _cdk.TerraformBackend
TerraformOutput = _cdk.TerraformOutput
TerraformProvider = _cdk.TerraformProvider
TerraformProviderGeneratorMetadata = _cdk.TerraformProviderGeneratorMetadata
TerraformResource = _cdk.TerraformResource
TerraformResourceLifecycle = _cdk.TerraformResourceLifecycle
TerraformStack = _cdk.TerraformStack
TerraformVariable = _cdk.TerraformVariable
TerraformVariableValidationConfig = _cdk.TerraformVariableValidationConfig
Testing = _cdk.Testing

from constructs import Construct  # noqa: E402  (after the runtime, which pins the constructs it needs)

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
]
