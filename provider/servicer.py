"""The ``tf`` servicer with three changes: planning sees the resource configuration, a stop rolls back, and
Terraform may reuse the schema.

``tf`` 1.2.0 plans creates without asking the resource and never passes the
configuration, so it cannot apply defaults to optional attributes, tell "unset"
from "kept", or check the host at plan time. :class:`KvmhostServicer` asks the
resource's ``plan_change`` for every create and update plan instead.

``tf`` also ends its server the moment Terraform sends StopProvider (its cancel),
cutting an apply in flight in half and its answer with it. Here StopProvider
turns :data:`~.base.CANCEL`: an apply in flight rolls back between two steps and
answers with a diagnostic that says so; the server ends only on go-plugin's
Shutdown, once no host change is in flight. SIGINT, SIGTERM and SIGHUP do the
same: roll back, then end.

``tf``'s schema answer sets no server capabilities, so Terraform asks for the
schema again in each of the three provider processes of a command; this one says
``get_provider_schema_optional`` and is asked once.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

import tf.provider
import tf.runner
from tf.gen import tfplugin_pb2 as pb
from tf.iface import PlanContext
from tf.provider import ProviderServicer, _decode_state, _encode_state
from tf.utils import Diagnostics, _to_attribute_path, read_dynamic_value

from .base import CANCEL

log = logging.getLogger("kvmhost")
#: How long the end of the process waits for a host change in flight to finish rolling back (seconds).
ROLLBACK_WAIT = 120.0
_SHUTDOWN = "/plugin.GRPCController/Shutdown"


class KvmhostServicer(ProviderServicer):
    """ProviderServicer whose PlanResourceChange delegates to ``resource.plan_change(ctx, prior, proposed, config)``."""

    def GetProviderSchema(self, request: pb.GetProviderSchema.Request, context: Any) -> pb.GetProviderSchema.Response:
        """``tf``'s answer, saying that every RPC works without this one first (``get_provider_schema_optional``).

        Terraform (checked in the embedded 1.15) keeps the first answer for the rest of the command and
        skips this RPC in the provider processes it starts after the first one. Every handler here looks the
        resource classes up on first use, so none needs a schema request first. ``plan_destroy`` stays
        unset: destroys are planned by Terraform, as before.
        """
        response = super().GetProviderSchema(request, context)
        response.server_capabilities.get_provider_schema_optional = True
        return response

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

    def StopProvider(self, request: pb.StopProvider.Request, context: Any) -> pb.StopProvider.Response:
        """Terraform's cancel: host changes in flight roll back; answered at once, as the protocol asks."""
        log.warning("Terraform asked the provider to stop: host changes in flight roll back")
        CANCEL.request("Terraform asked the provider to stop")
        return pb.StopProvider.Response()

    def ConfigureProvider(self, request: pb.ConfigureProvider.Request, context: Any) -> Any:
        """A new Terraform command (a reattached provider serves several): an earlier stop no longer holds."""
        CANCEL.reset()
        return super().ConfigureProvider(request, context)


class StopWhenIdle:
    """``tf``'s shutdown interceptor, except that StopProvider no longer ends the server and the end waits.

    The server ends on go-plugin's Shutdown (or a signal), after every host change
    in flight has finished or rolled back. ``tf``'s Shutdown handler sets
    ``stopped``, which its serving loop watches: here setting it starts that
    wait, and ``stopped`` reads true only once the server may end.
    """

    current: StopWhenIdle | None = None

    def __init__(self) -> None:
        self.server: Any = None
        self._ending = False
        self._ended = False
        StopWhenIdle.current = self

    @property
    def stopped(self) -> bool:
        """True once no host change is in flight and the server is ending."""
        return self._ended

    @stopped.setter
    def stopped(self, value: bool) -> None:
        if value:
            self.stop_when_idle("Terraform shut the provider down")

    def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        result = continuation(handler_call_details)
        if handler_call_details.method == _SHUTDOWN:
            self.stop_when_idle("Terraform shut the provider down")
        return result

    def stop_when_idle(self, reason: str) -> None:
        """Cancel host changes in flight, and end the server once they have rolled back (in a thread of its own)."""
        CANCEL.request(reason)
        if self._ending:
            return
        self._ending = True

        def finish() -> None:
            if not CANCEL.wait_idle(ROLLBACK_WAIT):
                log.error("a host change did not finish rolling back within %s s; ending anyway", ROLLBACK_WAIT)
            self._ended = True
            if self.server is not None:
                self.server.stop(grace=0.5)

        threading.Thread(target=finish, name="kvmhost-stop", daemon=True).start()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    log.warning("%s: host changes in flight roll back, then the provider ends", name)
    stopper = StopWhenIdle.current
    if stopper is not None:
        stopper.stop_when_idle(f"the provider got {name}")
    else:
        CANCEL.request(f"the provider got {name}")


def use_kvmhost_servicer() -> None:
    """Make ``tf.runner.run_provider`` serve through :class:`KvmhostServicer` and :class:`StopWhenIdle`.

    ``run_provider`` looks both up at call time. Call from the main thread: it also
    makes SIGINT, SIGTERM and SIGHUP roll host changes back before the provider ends.
    """
    tf.provider.ProviderServicer = KvmhostServicer  # type: ignore[misc]
    tf.runner._ShutdownInterceptor = StopWhenIdle  # type: ignore[attr-defined]
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _on_signal)
