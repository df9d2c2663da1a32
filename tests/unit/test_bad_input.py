"""Bad input never reaches CloudFormation: generated invalid props for every public
construct raise one PavedRoadError naming the construct path, the prop, the value received
and what is allowed; never a jsii/JavaScript error or a Python TypeError from inside.

Three generators per construct (specs in tests/unit/props/):

* ``invalid``: out-of-range numbers, malformed or empty strings, bad nested props, each
  prop's own rule; the other props get random *valid* values (tokens where allowed), so
  the error must still name the bad prop among valid neighbours;
* ``conflicts``: options that are valid alone and conflict together;
* wrong types: for every keyword prop, values whose kind its annotation does not mention
  (a str for a Duration, a number for a topic, a dict for a list...), chosen from the
  annotation's text, independently of the library's boundary checker.

The cases are counted (``tests/counts.py``); the last test checks at least 500 ran.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paved_road import PavedRoadError
from tests.counts import COUNTS, count
from tests.unit.props.framework import Bad, Spec, keyword_hints, renderings, wrong_typed
from tests.unit.props.registry import ALL_SPECS

INVALID = "bad input: generated invalid cases raising PavedRoadError"
ALLOWED = re.compile(
    r"\b(must|needs?|only|cannot|allowed|at most|at least|between|requires?|required|exactly"
    r"|choose|give)\b"
)
"""Words that say what is allowed ("must be between 1 and 1000", "needs a deployment")."""
RUNS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_reported(error: PavedRoadError, spec: Spec, path: str, prop: str, bad: Bad) -> None:
    """One of the error's problems names the construct and path, starts with the prop,
    says what is allowed, and shows the value received after "got"."""
    head = prop if "'" in prop.split(":")[0] else f"{spec.kind} '{path}': {prop}"
    lines = [p for p in error.problems if p.startswith(head)]
    assert lines, f"no problem starts with {head!r}: {error.problems}"
    assert any(ALLOWED.search(line) for line in lines), lines
    shows = bad.shows or renderings(bad.value)
    assert any(f"got {shown}" in line for line in lines for shown in shows), (shows, lines)


def build_expecting_error(spec: Spec, props: dict[str, Any]) -> tuple[PavedRoadError, str]:
    path = "Subject" if spec.app_scoped else "Test/Subject"
    try:
        spec.build(props)
    except PavedRoadError as error:
        return error, path
    raise AssertionError(f"{spec.kind} accepted {props!r}")


def valid_neighbours(data: st.DataObject, spec: Spec, exclude: set[str]) -> dict[str, Any]:
    names = sorted(set(spec.valid) - exclude)
    chosen = (
        data.draw(st.lists(st.sampled_from(names), unique=True), label="valid") if names else []
    )
    return {name: data.draw(spec.valid[name], label=name) for name in chosen}


@pytest.mark.parametrize("spec", [s for s in ALL_SPECS if s.invalid], ids=lambda s: s.kind)
@RUNS
@given(data=st.data())
def test_invalid_props_are_reported(spec: Spec, data: st.DataObject) -> None:
    # GIVEN a valid configuration with one prop given an invalid value
    prop = data.draw(st.sampled_from(sorted(spec.invalid)), label="prop")
    drawn = data.draw(spec.invalid[prop], label="invalid")
    bad = drawn if isinstance(drawn, Bad) else Bad(drawn)
    props = {**spec.base(), **valid_neighbours(data, spec, {prop}), prop: bad.value}
    # WHEN the construct is built THEN one PavedRoadError names path, prop, value, rule
    error, path = build_expecting_error(spec, props)
    assert_reported(error, spec, path, bad.prop or prop, bad)
    count(INVALID)


@pytest.mark.parametrize("spec", [s for s in ALL_SPECS if s.conflicts], ids=lambda s: s.kind)
def test_conflicting_props_are_reported(spec: Spec) -> None:
    for make_props, prop in spec.conflicts:
        # GIVEN options each valid alone WHEN combined THEN the conflict is named
        error, path = build_expecting_error(spec, {**spec.base(), **make_props()})
        head = f"{spec.kind} '{path}': {prop}"
        assert any(p.startswith(head) and ALLOWED.search(p) for p in error.problems), (
            head,
            error.problems,
        )
        count(INVALID)


def _typed_cases(spec: Spec) -> list[tuple[str, Any]]:
    hints = keyword_hints(spec.cls)
    return [
        (prop, value)
        for prop, hint in sorted(hints.items())
        if prop not in spec.skip_wrong_types
        for value in wrong_typed(hint)
    ]


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.kind)
@RUNS
@given(data=st.data())
def test_wrong_types_are_reported(spec: Spec, data: st.DataObject) -> None:
    # GIVEN a valid configuration with one prop given a value of a kind it does not take
    cases = _typed_cases(spec)
    prop, value = data.draw(st.sampled_from(cases), label="wrong type")
    props = {**spec.base(), prop: value}
    # WHEN the construct is built THEN our error names the prop and the value's type
    error, path = build_expecting_error(spec, props)
    bad = Bad(value)
    head = f"{spec.kind} '{path}': {prop}"
    lines = [p for p in error.problems if p.startswith(head)]
    assert lines, f"no problem starts with {head!r}: {error.problems}"
    assert any(f"got {shown}" in line for line in lines for shown in renderings(bad.value))
    count(INVALID)


def test_every_public_construct_has_a_spec() -> None:
    import inspect

    from constructs import Construct

    import paved_road
    import paved_road_blueprints

    public = {
        name
        for module in (paved_road, paved_road_blueprints)
        for name in module.__all__
        if inspect.isclass(getattr(module, name)) and issubclass(getattr(module, name), Construct)
    }
    assert {spec.cls.__name__ for spec in ALL_SPECS} == public


def test_at_least_500_invalid_cases_ran(request: pytest.FixtureRequest) -> None:
    # Runs last in this module; meaningful only when the whole module ran.
    names = [item.name.split("[")[0] for item in request.session.items]
    if names.count("test_invalid_props_are_reported") < sum(1 for s in ALL_SPECS if s.invalid) or (
        names.count("test_wrong_types_are_reported") < len(ALL_SPECS)
    ):
        pytest.skip("some generating tests were deselected")
    assert COUNTS[INVALID] >= 500, COUNTS[INVALID]
