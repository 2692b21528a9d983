"""The ``tf`` servicer with one change: planning sees the resource configuration.

``tf`` 1.2.0 plans creates without asking the resource and never passes the
configuration, so it cannot apply defaults to optional attributes, tell "unset"
from "kept", or check the host at plan time. :class:`KvmhostServicer` asks the
resource's ``plan_change`` for every create and update plan instead.
"""

from __future__ import annotations

from typing import Any

import tf.provider
from tf.gen import tfplugin_pb2 as pb
from tf.iface import PlanContext
from tf.provider import ProviderServicer, _decode_state, _encode_state
from tf.utils import Diagnostics, _to_attribute_path, read_dynamic_value


class KvmhostServicer(ProviderServicer):
    """ProviderServicer whose PlanResourceChange delegates to ``resource.plan_change(ctx, prior, proposed, config)``."""

    def PlanResourceChange(
        self, request: pb.PlanResourceChange.Request, context: Any
    ) -> pb.PlanResourceChange.Response:
        response = pb.PlanResourceChange.Response
        diags = Diagnostics()
        type_name = request.type_name
        attrs = self._get_res_attrs(type_name)
        blocks = self._get_res_blocks(type_name)
        _, prior = _decode_state(diags, attrs, blocks, request.prior_state)
        proposed_enc, proposed = _decode_state(diags, attrs, blocks, request.proposed_new_state)
        if diags.has_errors():
            return response(diagnostics=diags.to_pb())
        if proposed is None:  # destroy: nothing to plan
            return response(planned_state=request.proposed_new_state)
        resource = self.app.new_resource(self._get_res_cls(type_name))
        config = read_dynamic_value(request.config) or {}
        planned = resource.plan_change(PlanContext(diags, type_name, changed_fields=set()), prior, proposed, config)
        replace = [
            _to_attribute_path([name])
            for name, attr in attrs.items()
            if prior is not None
            and attr.requires_replace
            and not attr.type.semantically_equal(prior.get(name), planned.get(name))
        ]
        return response(
            planned_state=_encode_state(attrs, blocks, planned, proposed_enc),
            requires_replace=replace,
            diagnostics=diags.to_pb(),
        )


def use_kvmhost_servicer() -> None:
    """Make ``tf.runner.run_provider`` serve through :class:`KvmhostServicer` (it looks the class up at call time)."""
    tf.provider.ProviderServicer = KvmhostServicer  # type: ignore[misc]
