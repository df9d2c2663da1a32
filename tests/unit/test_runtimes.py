"""paved_road.runtimes: lifecycle phases from cfn-lint's data."""

from __future__ import annotations

import datetime

import pytest

from paved_road import runtimes

D = datetime.date


@pytest.mark.parametrize(
    ("runtime", "today", "phase"),
    [
        ("python3.10", D(2026, 10, 30), runtimes.Phase.SUPPORTED),
        ("python3.10", D(2026, 10, 31), runtimes.Phase.DEPRECATED),
        ("python3.10", D(2027, 2, 1), runtimes.Phase.CREATE_BLOCKED),
        ("python3.10", D(2027, 3, 3), runtimes.Phase.UPDATE_BLOCKED),
        ("python3.14", D(2026, 11, 23), runtimes.Phase.SUPPORTED),
        ("cobol85", D(2026, 11, 23), runtimes.Phase.UNKNOWN),
    ],
)
def test_phase(runtime: str, today: datetime.date, phase: runtimes.Phase) -> None:
    assert runtimes.phase(runtime, today) is phase


def test_days_left_and_successor() -> None:
    assert runtimes.days_left("python3.14", D(2029, 6, 1)) == 29
    assert runtimes.days_left("python3.9", D(2026, 1, 1)) == -17
    assert runtimes.days_left("cobol85", D(2026, 1, 1)) is None
    entry = runtimes.lifecycle("nodejs20.x")
    assert entry is not None and entry.successor == "nodejs24.x"


def test_supported_runtimes_excludes_deprecated() -> None:
    supported = runtimes.supported_runtimes(D(2026, 11, 23))
    assert "python3.14" in supported
    assert "python3.10" not in supported


def test_today_comes_from_override_then_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(runtimes.TODAY_ENV, "2030-01-02")
    assert runtimes.current_date() == D(2030, 1, 2)
    assert runtimes.current_date("2031-05-06") == D(2031, 5, 6)
    monkeypatch.setenv(runtimes.TODAY_ENV, "soon")
    with pytest.raises(ValueError, match="PAVED_ROAD_TODAY must be a date YYYY-MM-DD, got 'soon'"):
        runtimes.current_date()
