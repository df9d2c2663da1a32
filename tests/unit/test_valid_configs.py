"""Random valid configurations of every public construct synthesize, and every resulting
template passes cfn-lint with no errors and the least-privilege, encryption and TLS checks
of tests/template_checks.py (the same checks the sample apps pass).

Each configuration is a construct's minimal props (``Spec.base``) plus a random subset of
its props with random valid values (``Spec.valid``, tokens included where the construct
accepts them). Counted (``tests/counts.py``); the last test checks at least 200 ran.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cfn_lint import lint_errors
from tests.counts import COUNTS, count
from tests.template_checks import (
    encryption_problems,
    tls_problems,
    untrusted_role_problems,
    wildcard_problems,
)
from tests.unit.props.framework import Spec
from tests.unit.props.registry import ALL_SPECS

VALID = "valid configs: synthesized, cfn-lint and template checks clean"
TEMPLATES = "valid configs: templates linted"
SPECS = [s for s in ALL_SPECS if s.valid]


def draw_valid(data: st.DataObject, spec: Spec) -> dict[str, Any]:
    names = data.draw(st.lists(st.sampled_from(sorted(spec.valid)), unique=True), label="props")
    return {**spec.base(), **{name: data.draw(spec.valid[name], label=name) for name in names}}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_valid_configurations_synthesize_clean(spec: Spec, data: st.DataObject) -> None:
    # GIVEN a random valid configuration WHEN it is built and synthesized
    templates = spec.synth(draw_valid(data, spec))
    # THEN every template passes cfn-lint and the template checks
    assert templates
    for name, template in templates.items():
        problems = [
            *lint_errors(template),
            *wildcard_problems(template),
            *untrusted_role_problems(template),
            *encryption_problems(template),
            *tls_problems(template),
        ]
        assert problems == [], name
        count(TEMPLATES)
    count(VALID)


def test_at_least_200_valid_configurations_ran(request: pytest.FixtureRequest) -> None:
    names = [item.name.split("[")[0] for item in request.session.items]
    if names.count("test_valid_configurations_synthesize_clean") < len(SPECS):
        pytest.skip("some generating tests were deselected")
    assert COUNTS[VALID] >= 200, COUNTS[VALID]
