"""The one module that imports the CDK for Terraform runtime.

Everything else in the project imports these names from here, so that moving
from ``cdktf`` to its maintained fork ``cdktn`` (same construct model) is a
change in this file only.
"""

from __future__ import annotations

from cdktf import (
    App,
    LocalBackend,
    TerraformOutput,
    TerraformProvider,
    TerraformProviderGeneratorMetadata,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
    TerraformVariable,
    TerraformVariableValidationConfig,
    Testing,
)

from constructs import Construct

__all__ = [
    "App",
    "Construct",
    "LocalBackend",
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
