"""Every construct spec, from the spec modules."""

from __future__ import annotations

from tests.unit.props import specs_api, specs_blueprints, specs_core, specs_events, specs_tenancy
from tests.unit.props.framework import Spec

ALL_SPECS: tuple[Spec, ...] = (
    *specs_core.SPECS,
    *specs_tenancy.SPECS,
    *specs_blueprints.SPECS,
    *specs_events.SPECS,
    *specs_api.SPECS,
)
