"""What every kvmhost resource shares: failures as diagnostics, unknown values, complete states, state upgrade,
and the cancel switch that Terraform's StopProvider and termination signals turn."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from msgpack import ExtType
from tf.iface import Config, PlanContext, Resource, State, UpgradeContext
from tf.schema import Schema
from tf.types import Unknown

log = logging.getLogger("kvmhost")

F = TypeVar("F", bound=Callable[..., Any])


class Cancellation:
    """Whether the provider was asked to stop, and how many host changes are in flight.

    Terraform's StopProvider (its cancel, on Ctrl-C) and SIGINT/SIGTERM/SIGHUP
    :meth:`request` a stop; an apply in flight asks :meth:`reason` between two
    steps (it is the bridge helper's ``stop`` callback) and rolls back. The
    process may end only once :meth:`wait_idle` returns. A new Terraform command
    configures the provider again, which resets the switch (:meth:`reset`).
    """

    def __init__(self) -> None:
        self._reason: str | None = None
        self._busy = 0
        self._changed = threading.Condition()

    def request(self, reason: str) -> None:
        """Ask every host change in flight to roll back and stop (the first reason given is kept)."""
        with self._changed:
            self._reason = self._reason or reason
            self._changed.notify_all()

    def reset(self) -> None:
        """A new command begins: nothing is cancelled."""
        with self._changed:
            self._reason = None

    def reason(self) -> str | None:
        """Why host changes must stop now; None to go on."""
        return self._reason

    @contextmanager
    def operation(self) -> Iterator[None]:
        """Count one host change in flight for as long as the block runs."""
        with self._changed:
            self._busy += 1
        try:
            yield
        finally:
            with self._changed:
                self._busy -= 1
                self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no host change is in flight (rolled back or finished); False after ``timeout`` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: self._busy == 0, timeout)


#: The provider process's switch (one provider per process).
CANCEL = Cancellation()


class AttributeProblem(Exception):
    """A problem with one attribute's value; reported as a diagnostic pointing at that attribute."""

    def __init__(self, attribute: str, message: str) -> None:
        super().__init__(message)
        self.attribute = attribute
        self.message = message


def is_unknown(value: Any) -> bool:
    """Unknown until apply: ``tf``'s sentinel, or a refined unknown Terraform sends as msgpack extension 12."""
    return value is Unknown or isinstance(value, ExtType)


def all_known(values: Iterable[Any]) -> bool:
    """True when none of ``values`` is unknown."""
    return not any(is_unknown(v) for v in values)


def guarded(operation: str, *, keep: int | None) -> Callable[[F], F]:
    """Turn any exception of a resource operation into an error diagnostic naming the resource (and attribute).

    On failure the operation returns its positional argument number ``keep`` (the
    prior state, so Terraform keeps it) or None when ``keep`` is None.
    """

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: KvmhostResource, ctx: Any, *args: Any) -> Any:
            try:
                return method(self, ctx, *args)
            except AttributeProblem as problem:
                ctx.diagnostics.add_error(
                    f"{ctx.type_name}: {problem.attribute}: {problem.message}",
                    problem.message,
                    path=[problem.attribute],
                )
            except Exception as exc:  # every failure becomes a diagnostic, never a bare plugin error
                if self.LOG_DETAILS:
                    log.exception("%s %s failed", ctx.type_name, operation)
                else:  # the message or a traceback's locals could carry a sensitive value
                    log.error("%s %s failed: %s", ctx.type_name, operation, type(exc).__name__)
                attribute = getattr(exc, "field", None) or self.attribute_named_in(str(exc))
                ctx.diagnostics.add_error(
                    f"{ctx.type_name}: {operation} failed" + (f" ({attribute})" if attribute else ""),
                    self.explain(exc),
                    path=[attribute] if attribute else None,
                )
            return None if keep is None else args[keep]

        return wrapper  # type: ignore[return-value]

    return decorate


class KvmhostResource(Resource):
    """Base of the kvmhost resources: holds the provider, completes states, upgrades old ones."""

    #: False for resources with sensitive attributes: a failure is logged (to Terraform's log) by exception type only.
    LOG_DETAILS = True

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    @classmethod
    def get_schema(cls) -> Schema:
        raise NotImplementedError

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Values an attribute takes when the configuration leaves it unset (optional+computed with a default)."""
        return {}

    @classmethod
    def attribute_names(cls) -> list[str]:
        return [a.name for a in cls.get_schema().attributes]

    @classmethod
    def complete(cls, values: dict[str, Any]) -> State:
        """A state holding every schema attribute (Terraform refuses a state with one missing)."""
        names = cls.attribute_names()
        missing = [n for n in names if n not in values]
        if missing:
            raise ValueError(f"state lacks {', '.join(missing)}")
        return {n: values[n] for n in names}

    def with_defaults(self, proposed: State, config: Config) -> State:
        """``proposed`` with every unset defaulted attribute at its default (so removing it from config reverts it)."""
        planned = dict(proposed)
        for name, default in self.defaults().items():
            if config.get(name) is None:
                planned[name] = default
        return planned

    def attribute_named_in(self, message: str) -> str | None:
        """The first configurable attribute a failure message mentions, to point the diagnostic at it."""
        for attr in self.get_schema().attributes:
            if (attr.required or attr.optional) and attr.name != "name" and attr.name in message:
                return attr.name
        return None

    def explain(self, exc: Exception) -> str:
        """The detail of a failure diagnostic (resources hide sensitive values here)."""
        return f"{type(exc).__name__}: {exc}" if not isinstance(exc, OSError) else str(exc)

    @guarded("state upgrade", keep=1)
    def upgrade(self, ctx: UpgradeContext, version: int, old: State) -> State:
        """Version 0 states (before ``id`` and the defaulted booleans existed) gain every missing attribute."""
        names, defaults = self.attribute_names(), self.defaults()
        state = {k: v for k, v in old.items() if k in names}
        for name in names:
            state.setdefault(name, defaults.get(name))
        state["id"] = state["id"] or self.identity(state)
        log.info("%s: state upgraded from version %s", ctx.type_name, version)
        return state

    def identity(self, state: State) -> Any:
        raise NotImplementedError

    def plan_change(self, ctx: PlanContext, prior: State | None, proposed: State, config: Config) -> State:
        raise NotImplementedError
