"""Property-test specs for the public constructs (tests/unit/test_bad_input.py and
tests/unit/test_valid_configs.py; docs/reliability.md).

A :class:`Spec` says how to build one construct with a minimal valid configuration
(``base``), which props can be varied with *valid* values (``valid``: strategies), and which
*invalid* values each prop must reject (``invalid``: strategies of :class:`Bad`). Values that
need a scope (a topic, a queue, a token) are :class:`Make` wrappers, created in the stack
at build time. Every prop's annotation also gets *wrong-typed* values generated from a pool
(:func:`wrong_typed`): a value whose kind the annotation does not mention at all.
"""

from __future__ import annotations

import inspect
import math
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import App, Duration, Size, Stack
from constructs import Construct
from hypothesis import strategies as st


@dataclass(frozen=True)
class Make:
    """A prop value created in the stack at build time (``fn(scope)``)."""

    fn: Callable[[Construct], Any]
    label: str = "value"

    def __repr__(self) -> str:
        return f"Make({self.label})"


@dataclass(frozen=True)
class Bad:
    """An invalid value and how the error must show it.

    ``prop``: the prop name the message must start with (default: the prop the value is
    given for; e.g. ``tenants[0]`` for an item). ``shows``: renderings of the value, one of
    which must follow "got" in the message (default: :func:`renderings`).
    """

    value: Any
    prop: str | None = None
    shows: tuple[str, ...] = ()


@dataclass(frozen=True)
class Spec:
    kind: str
    cls: type
    base: Callable[[], dict[str, Any]]
    """Keyword props of a minimal valid configuration (values may be Make)."""
    invalid: Mapping[str, st.SearchStrategy[Any]] = field(default_factory=dict)
    """prop -> strategy of invalid values (plain values or Bad)."""
    valid: Mapping[str, st.SearchStrategy[Any]] = field(default_factory=dict)
    """prop -> strategy of valid values, for random valid configurations."""
    conflicts: tuple[tuple[Callable[[], dict[str, Any]], str], ...] = ()
    """(props, prop named in the error): combinations that are each valid alone."""
    app_scoped: bool = False
    """Built on the App (it creates its own stacks), not in a stack."""
    skip_wrong_types: frozenset[str] = frozenset()
    """Props whose annotation admits every pool value (documented where used)."""

    def build(self, props: Mapping[str, Any], app: App | None = None) -> tuple[Any, str]:
        """Build with ``props`` (Make values created first); return (the construct, the
        construct path the errors must name)."""
        app = app or App(builtin_cloud_formation_validation=False)
        scope: Construct = app if self.app_scoped else Stack(app, "Test")
        values = {key: resolve(value, scope) for key, value in props.items()}
        path = "Subject" if self.app_scoped else "Test/Subject"
        return self.cls(scope, "Subject", **values), path

    def synth(self, props: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        """Build with ``props`` and synthesize: every stack's template by stack path."""
        app = App(builtin_cloud_formation_validation=False)
        self.build(props, app)
        assembly = app.synth()
        return {stack.hierarchical_id: stack.template for stack in assembly.stacks_recursively}


def resolve(value: Any, scope: Construct) -> Any:
    if isinstance(value, Make):
        return value.fn(scope)
    if isinstance(value, list):
        return [resolve(v, scope) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve(v, scope) for v in value)
    return value


def renderings(value: Any) -> tuple[str, ...]:
    """How an error may show ``value`` after "got": its repr, a number without ".0", a
    Duration's amount in any unit, a string's length, or its type name ("a Duration")."""
    return (*_shown(value), f"a {type(value).__name__}", f"an {type(value).__name__}")


def _shown(value: Any) -> tuple[str, ...]:
    if isinstance(value, bool) or value is None:
        return (repr(value),)
    if isinstance(value, int | float):
        shown = [repr(value)]
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            shown.append(str(int(value)))
        return tuple(shown)
    if isinstance(value, str):
        return (repr(value), str(len(value)), repr(value)[:60])
    if isinstance(value, Duration):
        shown = []
        for unit in ("to_milliseconds", "to_seconds", "to_minutes", "to_hours", "to_days"):
            try:
                amount = getattr(value, unit)(integral=False)
            except Exception:
                continue
            if float(amount).is_integer():
                shown.append(str(int(amount)))
            else:
                shown.append(str(amount))
        return tuple(shown)
    if isinstance(value, Size):
        return (str(int(value.to_bytes())),)
    if isinstance(value, list | tuple) and all(
        v is None or isinstance(v, str | int | float | bool) for v in value
    ):
        return (repr(value),)
    return ()


# ------------------------------------------------------------------ wrong-typed values


class Opaque:
    """An object of no type any prop accepts."""

    def __repr__(self) -> str:
        return "Opaque()"


POOL: tuple[tuple[str, Callable[[], Any]], ...] = (
    # (kinds of annotation that would accept it, factory)
    ("str", lambda: "five minutes"),
    ("int float", lambda: 7),
    ("float", lambda: 2.5),
    ("bool", lambda: True),
    ("Duration", lambda: Duration.seconds(30)),
    ("Size", lambda: Size.kibibytes(1)),
    ("list Sequence tuple", lambda: ["x"]),
    ("Mapping dict Props EventPattern", lambda: {"x": 1}),
    ("", Opaque),
)


def wrong_typed(hint: Any) -> list[Any]:
    """Pool values whose kind the annotation ``hint`` does not mention at all (decided
    from the annotation's text, independently of the library's own checker)."""
    text = _hint_text(hint)
    if "Any" in text or "object" in text.split():
        return []
    found = []
    for kinds, factory in POOL:
        if not kinds or not any(kind in text for kind in kinds.split()):
            found.append(factory())
    return found


def _hint_text(hint: Any) -> str:
    text = repr(hint).replace("typing.", "").replace("collections.abc.", "")
    if isinstance(hint, type) and issubclass(hint, dict):
        text += " dict"  # a TypedDict accepts a dict
    for arg in typing.get_args(hint):
        if isinstance(arg, type) and issubclass(arg, dict):
            text += " dict"
    return text


def keyword_hints(cls: type) -> dict[str, Any]:
    """The construct's keyword props and their annotations (``**props: Unpack[TD]``
    expands to the TypedDict's keys)."""
    init = cls.__init__
    init = getattr(init, "__wrapped__", init)
    resolved = typing.get_type_hints(init)
    hints: dict[str, Any] = {}
    for name, parameter in inspect.signature(init).parameters.items():
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name in resolved:
            hints[name] = resolved[name]
        elif parameter.kind is inspect.Parameter.VAR_KEYWORD and name in resolved:
            (typed_dict,) = typing.get_args(resolved[name])
            hints.update(typing.get_type_hints(typed_dict))
    return hints
