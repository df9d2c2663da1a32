"""Construct-tree facts read through jsii once per construct.

Every ``construct.node.path`` or ``Stack.of(construct)`` is a round trip to the jsii
kernel (about 0.1-0.3 ms each); a construct's path and stack never change, so the
constructs read them here, cached on the Python object (jsii hands back the same
Python object for the same construct). docs/performance.md has the measurements.
"""

from __future__ import annotations

from typing import TypeVar

from aws_cdk import Stack
from constructs import IConstruct

T = TypeVar("T")

_PATH = "_paved_road_path"
_STACK = "_paved_road_stack"


def path_of(construct: IConstruct) -> str:
    """``construct.node.path``, read once."""
    cached = construct.__dict__.get(_PATH)
    if cached is None:
        cached = construct.__dict__[_PATH] = construct.node.path
    return str(cached)


def stack_of(construct: IConstruct) -> Stack:
    """``Stack.of(construct)``, read once."""
    cached = construct.__dict__.get(_STACK)
    if cached is None:
        cached = construct.__dict__[_STACK] = Stack.of(construct)
    return cached


def stack_child(scope: IConstruct, id: str, cls: type[T]) -> T:
    """The stack-level construct ``cls(stack, id)`` of ``scope``'s stack, created on first
    use and remembered on the stack (one ``try_find_child`` round trip per stack, not
    per use)."""
    stack = stack_of(scope)
    found = stack.__dict__.get(id)
    if not isinstance(found, cls):
        existing = stack.node.try_find_child(id)
        found = existing if isinstance(existing, cls) else cls(stack, id)  # type: ignore[call-arg]
        stack.__dict__[id] = found
    return found
