"""The one module that imports the CDK runtime: CDK for Terraform (``cdktf`` 0.21) or its fork CDK Terrain (``cdktn``).

Everything else in the project imports these names from here. Which runtime: ``FGTHA_CDK=cdktf`` or
``FGTHA_CDK=cdktn`` when set, else ``cdktf`` when it is installed (the product's pinned dependency), else
``cdktn``. The two cannot share a virtualenv's pins (cdktn 0.24 brings constructs 10.7.2, cdktf 0.21 is
pinned with constructs 10.8.1): a venv holds one of them, and this module picks what is there. Both have
the same construct model, and the synthesized Terraform JSON (``cdktf.out``) is the same.
"""

from __future__ import annotations

import importlib

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
