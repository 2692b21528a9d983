"""What a provider process loads before it answers: the schema request needs neither the bridge helper nor pydantic.

Terraform starts the provider three times per command and the first start only asks for the schema, so that
answer must not pay for the bridge helper or the SSH reach model (speed targets live in bench/).
"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from fgtha_provider.provider import KvmhostProvider
from fgtha_provider.servicer import KvmhostServicer
from tf.gen import tfplugin_pb2 as pb
from tf.utils import to_dynamic_value

servicer = KvmhostServicer(KvmhostProvider())
heavy = ("fgtha.bridge", "fgtha.bridge.netlink", "pydantic", "fgtha.spec.reach", "fgtha.remote.host")
seen = {}
schema = servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None)
seen["schema"] = sorted(m for m in heavy if m in sys.modules)
config = to_dynamic_value({"name": "br0", "uplink": "eth0", "promiscuous": None, "stp": None, "mtu": None,
                           "migrate_addresses": None, "id": None, "mac": None, "host_identity": None})
request = pb.ValidateResourceConfig.Request(type_name="kvmhost_bridge", config=config)
validated = servicer.ValidateResourceConfig(request, None)
seen["validate"] = sorted(m for m in heavy if m in sys.modules)
seen["optional"] = schema.server_capabilities.get_provider_schema_optional
seen["plan_destroy"] = schema.server_capabilities.plan_destroy
seen["resources"] = sorted(schema.resource_schemas)
seen["diagnostics"] = len(validated.diagnostics)
print(json.dumps(seen))
"""


def probe() -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_schema_answer_loads_no_bridge_helper_and_validation_no_netlink_nor_pydantic() -> None:
    seen = probe()
    assert seen["resources"] == ["kvmhost_bridge", "kvmhost_config_drive"]
    assert seen["schema"] == []
    assert seen["diagnostics"] == 0
    assert seen["validate"] == ["fgtha.bridge"]  # the helper's own checks, without netlink or pydantic


def test_schema_says_terraform_may_reuse_it_and_destroys_stay_planned_by_terraform() -> None:
    seen = probe()
    assert seen["optional"] is True
    assert seen["plan_destroy"] is False
