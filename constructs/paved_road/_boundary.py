"""Type checks at the public boundary: every construct's keyword props against their
annotations, before any range check, jsii call or CloudFormation sees them.

``@checked_props`` wraps a construct's ``__init__``: the props the caller passed are
checked against the ``__init__``'s type hints (``Duration | None``, ``Sequence[Tenant]``,
``sqs.IQueue``, a ``TypedDict`` such as ``GovernedFunctionProps``...), and every mismatch
is raised as one :class:`~paved_road.errors.PavedRoadError` naming the construct path,
the prop, the value received and what is allowed, e.g.::

    QueueConsumer 'App/Orders': max_batching_window must be an aws_cdk.Duration
    (Duration.seconds(n), Duration.minutes(n), ...) or None, got '5 minutes'

A wrong list item or dict entry is named by index or key (``tenants[3]``,
``environment['PORT']``), an unknown key of a props dict with the allowed keys, and the
fields of paved-road's value objects (``Tenant``, ``TrafficShift``...) where a construct
receives them (``provisioned_concurrency.min_capacity``). A Duration prop must be a whole
number of seconds unless :data:`DURATION_UNITS` reads it in another unit.

Without it a ``str`` given for a ``Duration`` fails deep inside (``AttributeError`` from a
range check, or jsii's ``TypeError`` naming an internal parameter). Tokens pass: a string
token is a ``str``, a number token a ``float`` (accepted where a whole number is), a
Duration token a ``Duration``. Each construct's own checks (ranges, formats, empty
strings, conflicting props) run afterwards, on values of the right type: the type
problems of a call are raised together, before them, because a value of the wrong type
cannot be range-checked.

jsii interfaces (``sqs.IQueue``) are protocols that ``isinstance`` cannot check; a value
implements one when a class in its MRO declares it (``__jsii_ifaces__``, set by jsii for
aws-cdk-lib classes and by ``@jsii.implements`` for user classes) or one of its sub-
interfaces, or when it is the interface's jsii proxy (imported resources, such as
``Queue.from_queue_arn``, and jsii's ``InterfaceDynamicProxy``). The hints are resolved once
per ``__init__``; the checks are plain Python (a Duration costs one cached jsii read).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, Unpack, get_args, get_origin

from aws_cdk import Duration
from constructs import Construct

from paved_road._tree import path_of
from paved_road._validate import is_token, millis
from paved_road.errors import Problems

InitT = TypeVar("InitT", bound=Callable[..., None])

_HINTS: dict[Callable[..., None], dict[str, Any]] = {}
_NONE = type(None)


def checked_props(init: InitT) -> InitT:
    """Decorate a construct's ``__init__(self, scope, id, *, ...)``: check ``scope``,
    ``id`` and the keyword props against their annotations first, and raise one
    PavedRoadError for every mismatch."""

    @functools.wraps(init)
    def checked(self: Construct, scope: Any, id: Any, *args: Any, **props: Any) -> None:
        check_call(type(self).__name__, init, scope, id, props)
        init(self, scope, id, *args, **props)

    return typing.cast(InitT, checked)


def check_call(
    kind: str, init: Callable[..., None], scope: object, id: object, props: Mapping[str, Any]
) -> None:
    """The check ``@checked_props`` runs (exposed for constructs built without it)."""
    if not isinstance(scope, Construct):
        problems = Problems(kind, str(id))
        problems.add("scope", "must be a Construct (an App, Stack or construct)", _received(scope))
        raise problems.error()
    parent = path_of(scope)
    problems = Problems(kind, f"{parent}/{id}" if parent else str(id))
    if not isinstance(id, str) or not id:
        problems.add("id", "must be a non-empty string", id)
    hints = _hints(init)
    for prop, value in props.items():
        hint = hints.get(prop)
        if hint is not None:
            check_value(problems, prop, value, hint)
    problems.raise_if_any()


DURATION_UNITS = {
    "duration_limit": "millis",
    "record_processing_time": "millis",
    "token_delay": "millis",
    "expiration": "days",
}
"""Duration props not read in seconds: ``millis`` ones may be any whole number of
milliseconds, ClaimCheck's ``expiration`` is read in days. Every other Duration prop must
be a whole number of seconds: CloudFormation takes them as integer seconds, and CDK's
``Duration.to_seconds()`` throws (a jsii error at synth) for 1,500 ms. A token Duration must
be given in its prop's unit (``Duration.seconds(<token>)``): CDK converts a token to no
other unit."""


def check_value(problems: Problems, prop: str, value: object, hint: Any, key: str = "") -> None:
    """Record a problem unless ``value`` matches the annotation ``hint`` (``key``: the
    prop's own name, for a ``TypedDict`` entry such as ``function_props['timeout']``)."""
    typed_dict = _only_option(hint)
    if _is_typed_dict(typed_dict) and isinstance(value, Mapping):
        _check_typed_dict(problems, prop, value, typed_dict)
        return
    if _matches(value, hint):
        if isinstance(value, Duration):
            _check_duration(problems, prop, value, DURATION_UNITS.get(key or prop, "seconds"))
        elif isinstance(value, list | tuple) and value and _is_value_class(type(value[0])):
            for index, item in enumerate(value):
                _check_fields(problems, f"{prop}[{index}]", item)
        elif _is_value_class(type(value)):
            _check_fields(problems, prop, value)
        return
    items = _item_hint(value, hint)
    if items is not None:  # the right collection, with wrong items: name each of them
        for index, item in enumerate(typing.cast(Sequence[object], value)):
            if not _matches(item, items):
                problems.add(f"{prop}[{index}]", f"must be {describe(items)}", _received(item))
        return
    entries = _entry_hints(value, hint)
    if entries is not None:  # a dict with wrong keys or values: name each of them
        key_hint, item_hint = entries
        for name, item in typing.cast(Mapping[object, object], value).items():
            if not _matches(name, key_hint):
                problems.add(f"{prop} key {name!r}", f"must be {describe(key_hint)}", name)
            elif not _matches(item, item_hint):
                problems.add(f"{prop}[{name!r}]", f"must be {describe(item_hint)}", _received(item))
        return
    problems.add(prop, f"must be {describe(hint)}", _received(value))


def _item_hint(value: object, hint: Any) -> Any:
    """The item hint of ``Sequence[X]`` (or ``Sequence[X] | None``) when ``value`` is a
    list or tuple, else None."""
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        return None
    only = _only_option(hint)
    if get_origin(only) in (Sequence, list) and get_args(only):
        return get_args(only)[0]
    return None


def _entry_hints(value: object, hint: Any) -> tuple[Any, Any] | None:
    """The key and value hints of ``Mapping[K, V]`` (or ``... | None``) when ``value`` is
    a mapping, else None."""
    if not isinstance(value, Mapping):
        return None
    only = _only_option(hint)
    if get_origin(only) in (Mapping, dict) and len(get_args(only)) == 2:
        key, item = get_args(only)
        return key, item
    return None


def _only_option(hint: Any) -> Any:
    """``X`` for ``X`` or ``X | None``; None for a union of several types."""
    options = [a for a in get_args(hint) if a is not _NONE] if _is_union(hint) else [hint]
    return options[0] if len(options) == 1 else None


def _is_union(hint: Any) -> bool:
    return get_origin(hint) in (typing.Union, types.UnionType)


def _check_duration(problems: Problems, prop: str, value: Duration, unit: str) -> None:
    """Whole seconds or milliseconds as ``unit`` says (days are the construct's to check);
    a token Duration must be given in ``unit``."""
    ms = millis(value)  # None for a token
    if ms is not None:
        if unit == "seconds" and ms % 1000:
            problems.add(prop, "must be a whole number of seconds", _Received(f"{ms:g} ms"))
        elif unit == "millis" and not ms.is_integer():
            problems.add(prop, "must be a whole number of milliseconds", _Received(f"{ms:g} ms"))
        return
    given = value.unit_label()
    if given != unit:  # CDK converts a token Duration to no unit but its own
        problems.add(
            prop,
            f"must be given as Duration.{unit}(<token>) when it is a token",
            _Received(f"Duration.{given}(<token>)"),
        )


def _is_value_class(cls: type) -> bool:
    """One of paved-road's own value types (a dataclass such as Tenant, TrafficShift)."""
    return dataclasses.is_dataclass(cls) and cls.__module__.startswith("paved_road")


_FIELD_HINTS: dict[type, dict[str, Any]] = {}


def _check_fields(problems: Problems, prop: str, value: object) -> None:
    """Check a paved-road value object's fields against their annotations, named
    ``prop.field`` (``tenants[2].memory_size``): a dataclass accepts any value at creation;
    the construct that receives it reports a wrong one."""
    if not _is_value_class(type(value)):
        return
    hints = _FIELD_HINTS.get(type(value))
    if hints is None:
        try:
            hints = typing.get_type_hints(type(value))
        except NameError:  # an annotation only importable for type checkers: not checked
            hints = {}
        _FIELD_HINTS[type(value)] = hints
    for field in dataclasses.fields(value):  # type: ignore[arg-type]
        if field.name in hints:
            check_value(
                problems, f"{prop}.{field.name}", getattr(value, field.name), hints[field.name]
            )


def _check_typed_dict(problems: Problems, prop: str, value: Mapping[Any, Any], hint: Any) -> None:
    fields = typing.get_type_hints(hint)
    for key, item in value.items():
        if key not in fields:
            problems.add(
                prop, f"has an unknown key {key!r}; allowed keys: {', '.join(sorted(fields))}"
            )
        else:
            check_value(problems, f"{prop}[{key!r}]", item, fields[key], key)


def _hints(init: Callable[..., None]) -> dict[str, Any]:
    hints = _HINTS.get(init)
    if hints is None:
        resolved = typing.get_type_hints(init)
        hints = {}
        for name, parameter in inspect.signature(init).parameters.items():
            hint = resolved.get(name)
            if hint is None:
                continue
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
                hints[name] = hint
            elif parameter.kind is inspect.Parameter.VAR_KEYWORD and get_origin(hint) is Unpack:
                hints.update(typing.get_type_hints(get_args(hint)[0]))  # **props: Unpack[TD]
        _HINTS[init] = hints
    return hints


def _matches(value: object, hint: Any) -> bool:
    if hint is Any or hint is object:
        return True
    if hint is _NONE or hint is None:
        return value is None
    origin = get_origin(hint)
    if _is_union(hint):
        return any(_matches(value, option) for option in get_args(hint))
    if origin is typing.Literal:
        return value in get_args(hint)
    if origin in (Sequence, list, tuple) or origin is typing.Sequence:
        return _matches_sequence(value, hint, origin)
    if origin in (Mapping, dict) or origin is typing.Mapping:
        return _matches_mapping(value, hint)
    if origin is not None and origin.__module__ == "collections.abc":
        return isinstance(value, origin)  # Callable[...] and friends
    if _is_typed_dict(hint):
        return isinstance(value, Mapping)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return _is_number(value, whole=True)
    if hint is float:
        return _is_number(value, whole=False)
    if _is_jsii_interface(hint):
        return implements(value, hint)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # a hint this checker does not understand is not enforced


def _matches_sequence(value: object, hint: Any, origin: Any) -> bool:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        return False
    args = get_args(hint)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_matches(item, args[0]) for item in value)
        return len(value) == len(args) and all(map(_matches, value, args))
    if origin is list and not isinstance(value, list):
        return False
    return not args or all(_matches(item, args[0]) for item in value)


def _matches_mapping(value: object, hint: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    args = get_args(hint)
    if not args:
        return True
    key, item = args
    return all(_matches(k, key) and _matches(v, item) for k, v in value.items())


def _is_number(value: object, *, whole: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int) or is_token(value):
        return True
    return value == value and (not whole or value.is_integer())  # NaN is not a number


def _is_typed_dict(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, dict) and hasattr(hint, "__total__")


def _is_jsii_interface(hint: Any) -> bool:
    return (
        isinstance(hint, type)
        and bool(getattr(hint, "_is_protocol", False))
        and hasattr(hint, "__jsii_type__")
    )


def implements(value: object, interface: type) -> bool:
    """True when ``value`` implements the jsii interface ``interface`` (or a sub-interface
    of it), as declared by jsii on its class or a base class."""
    # jsii returns an object typed by several interfaces as an InterfaceDynamicProxy
    # whose delegates are the proxies of each interface (e.g. Resource + _ISecretProxy)
    delegates = value.__dict__.get("_delegates") if hasattr(value, "__dict__") else None
    for candidate in delegates if isinstance(delegates, list) else [value]:
        for cls in type(candidate).__mro__:
            if cls.__dict__.get("__jsii_type__") == interface.__jsii_type__:  # type: ignore[attr-defined]
                return True  # the interface's proxy class, or a sub-interface's (its MRO)
            for declared in cls.__dict__.get("__jsii_ifaces__", ()):
                if interface in declared.__mro__:
                    return True
    return False


def describe(hint: Any) -> str:
    """What a hint allows, in words: ``Duration | None`` -> "an aws_cdk.Duration (e.g.
    Duration.seconds(30)) or None"; ``Sequence[Tenant]`` -> "a list of paved_road.Tenant"."""
    return _words(hint, plural=False)


def _words(hint: Any, *, plural: bool) -> str:
    if hint is _NONE or hint is None:
        return "None"
    if hint is Any or hint is object:
        return "values" if plural else "anything"
    origin = get_origin(hint)
    args = get_args(hint)
    if _is_union(hint):
        options = [_words(a, plural=plural) for a in args if a is not _NONE]
        if _NONE in args:
            options.append("None")
        text = options[0] if len(options) == 1 else f"{', '.join(options[:-1])} or {options[-1]}"
        return f"({text})" if plural and len(options) > 1 else text
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _collection("tuple", _words(args[0], plural=True), plural)
        items = ", ".join(_words(a, plural=False) for a in args)
        return _collection("tuple", f"{len(args)} items ({items})", plural)
    if origin in (Sequence, list) or origin is typing.Sequence:
        return _collection("list", _words(args[0], plural=True) if args else "", plural)
    if origin in (Mapping, dict) or origin is typing.Mapping:
        if not args or args[1] is Any:
            return "dicts with string keys" if plural else "a dict with string keys"
        keys, values = (_words(a, plural=True) for a in args)
        return _collection("dict", f"{keys} to {values}", plural)
    if origin is not None:
        return _counted(f"{getattr(origin, '__name__', origin)}", plural)
    return _class_words(hint, plural)


def _collection(kind: str, items: str, plural: bool) -> str:
    text = f"{kind}s" if plural else f"a {kind}"
    return f"{text} of {items}" if items else text


_WORDS: dict[Any, tuple[str, str]] = {
    bool: ("True or False", "True or False values"),
    int: ("a whole number", "whole numbers"),
    float: ("a number", "numbers"),
    str: ("a string", "strings"),
}


def _class_words(hint: Any, plural: bool) -> str:
    if hint in _WORDS:
        return _WORDS[hint][plural]
    name = _qualified(hint)
    if name == "aws_cdk.Duration":
        return _counted(name, plural) + " (Duration.seconds(n), Duration.minutes(n), ...)"
    if name == "aws_cdk.Size":
        return _counted(name, plural) + " (Size.kibibytes(n), Size.mebibytes(n), ...)"
    if _is_typed_dict(hint):
        return "dicts" if plural else f"a dict of {name} keys"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = [m.name for m in hint]
        listed = ", ".join(members[:6]) + (", ..." if len(members) > 6 else "")
        return _counted(name, plural) + f" ({listed})"
    return _counted(name, plural)


_SPELLED = ("sqs.", "sns.", "s3.")  # read letter by letter: "an SQS queue"


def _counted(name: str, plural: bool) -> str:
    if plural:
        return name
    vowel = name[:1].lower() in "aeiou" or name.startswith(_SPELLED)
    return f"{'an' if vowel else 'a'} {name}"


_SHORT = {"aws_lambda": "lambda_"}


def _qualified(hint: Any) -> str:
    """``sqs.IQueue``, ``lambda_.Code``, ``aws_cdk.Duration``, ``paved_road.Tenant``: the
    names as the docs import them (``from aws_cdk import aws_sqs as sqs``)."""
    module = str(getattr(hint, "__module__", ""))
    name = str(getattr(hint, "__qualname__", getattr(hint, "__name__", repr(hint))))
    if module.startswith("aws_cdk.aws_"):
        short = module.removeprefix("aws_cdk.")
        return f"{_SHORT.get(short, short.removeprefix('aws_'))}.{name}"
    if module.startswith("paved_road_blueprints"):
        return f"paved_road_blueprints.{name}"
    if module.startswith("paved_road"):
        return f"paved_road.{name}"
    if module == "builtins":
        return name
    return f"{module}.{name}"


def _plain(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _received(value: object) -> object:
    """How a received value is shown: repr for plain values, the type name for objects
    (whose repr is an address)."""
    if value is None or isinstance(value, str | int | float | bool | enum.Enum):
        return value
    if isinstance(value, list | tuple) and all(map(_plain, value)) and len(repr(value)) <= 200:
        return value
    return _TypeName(type(value).__name__)


class _Received:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return repr(self.text)


class _TypeName:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return _counted(self.name, plural=False)
