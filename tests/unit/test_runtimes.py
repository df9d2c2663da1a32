"""paved_road.runtimes: lifecycle phases from cfn-lint's data."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest

from paved_road import runtimes
from paved_road.errors import PavedRoadError

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


# -- organization override file (RuntimePolicy) ----------------------------------------

POLICY_YAML = """\
approved: [python3.14, acme-custom1, acme-ghost]
runtimes:
  python3.14: {deprecated: 2027-06-30, successor: acme-custom1}
  python3.11: {deprecated: "2099-01-01", update-block: 2099-12-31}
  acme-custom1:
    deprecated: 2031-01-31
    create-block: 2031-03-01
    update-block: "2031-04-01"
    successor: provided.al2023
"""


@pytest.fixture(autouse=True)
def _no_active_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts without an organization policy in the environment."""
    monkeypatch.delenv(runtimes.POLICY_ENV, raising=False)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def published(name: str) -> runtimes.RuntimeLifecycle:
    """cfn-lint's own entry for a real runtime (the test fails if it disappears)."""
    entry = runtimes.lifecycle_table()[name]
    assert entry.deprecated is not None
    return entry


@pytest.fixture
def org_policy(tmp_path: Path) -> runtimes.RuntimePolicy:
    return runtimes.load_policy(write(tmp_path / "policy.yaml", POLICY_YAML))


def test_override_dates_only_tighten_and_successor_is_replaced(
    org_policy: runtimes.RuntimePolicy,
) -> None:
    """GIVEN an override with an earlier python3.14 deprecation and later python3.11 dates
    WHEN the policy is loaded
    THEN the earlier date wins in both cases (an override can only tighten), unspecified
    keys keep cfn-lint's values, and the successor is the file's."""
    py314, py311 = published("python3.14"), published("python3.11")
    entry = org_policy.lifecycle("python3.14")
    assert entry is not None
    assert entry.deprecated == min(D(2027, 6, 30), py314.deprecated or D.max)
    assert (entry.block_create, entry.block_update) == (py314.block_create, py314.block_update)
    assert entry.successor == "acme-custom1"
    other = org_policy.lifecycle("python3.11")
    assert other is not None
    assert (other.deprecated, other.block_update) == (py311.deprecated, py311.block_update)
    assert other.successor == py311.successor


def test_runtime_known_only_from_the_override_file(org_policy: runtimes.RuntimePolicy) -> None:
    """GIVEN acme-custom1, which cfn-lint does not know, with all dates in the file
    WHEN its lifecycle is asked for
    THEN it has the file's dates, and its phase and days left follow them."""
    assert runtimes.lifecycle("acme-custom1") is None  # not in the plain cfn-lint policy
    entry = org_policy.lifecycle("acme-custom1")
    assert entry == runtimes.RuntimeLifecycle(
        "acme-custom1", D(2031, 1, 31), D(2031, 3, 1), D(2031, 4, 1), "provided.al2023"
    )
    assert org_policy.days_left("acme-custom1", D(2031, 1, 1)) == 30
    assert org_policy.phase("acme-custom1", D(2031, 3, 1)) is runtimes.Phase.CREATE_BLOCKED


def test_runtimes_off_the_approved_list_are_not_approved_until_deprecated(
    org_policy: runtimes.RuntimePolicy,
) -> None:
    """GIVEN an approved list without python3.13 (still supported by AWS for a while)
    WHEN its phase is asked the day before and on its deprecation date
    THEN it is not-approved first, then deprecated (a lifecycle phase outranks approval),
    also through lifecycle(name).phase(day) as function.py and the guardrails call it."""
    py313 = published("python3.13")
    assert py313.deprecated is not None
    day_before = py313.deprecated - datetime.timedelta(days=1)
    assert runtimes.phase("python3.13", day_before) is runtimes.Phase.SUPPORTED
    assert org_policy.phase("python3.13", day_before) is runtimes.Phase.NOT_APPROVED
    entry = runtimes.lifecycle("python3.13", policy=org_policy)
    assert entry is not None and not entry.approved
    assert entry.phase(day_before) is runtimes.Phase.NOT_APPROVED
    assert entry.phase(py313.deprecated) is runtimes.Phase.DEPRECATED
    assert org_policy.approved == ("python3.14", "acme-custom1", "acme-ghost")


def test_runtimes_without_dates_are_unknown_only_when_approved(
    org_policy: runtimes.RuntimePolicy,
) -> None:
    """GIVEN acme-ghost on the approved list but in neither data source, and cobol85 in none
    WHEN their phases are asked
    THEN acme-ghost is unknown, cobol85 not-approved, and neither has a lifecycle entry."""
    assert org_policy.phase("acme-ghost", D(2030, 1, 1)) is runtimes.Phase.UNKNOWN
    assert org_policy.phase("cobol85", D(2030, 1, 1)) is runtimes.Phase.NOT_APPROVED
    assert org_policy.lifecycle("acme-ghost") is None
    assert org_policy.days_left("cobol85", D(2030, 1, 1)) is None


@pytest.mark.parametrize(
    ("today", "approved_phase", "unapproved_phase"),
    [
        (D(2030, 12, 31), runtimes.Phase.SUPPORTED, runtimes.Phase.NOT_APPROVED),
        (D(2031, 1, 31), runtimes.Phase.DEPRECATED, runtimes.Phase.DEPRECATED),
        (D(2031, 3, 1), runtimes.Phase.CREATE_BLOCKED, runtimes.Phase.CREATE_BLOCKED),
        (D(2031, 4, 1), runtimes.Phase.UPDATE_BLOCKED, runtimes.Phase.UPDATE_BLOCKED),
    ],
)
def test_phase_precedence(
    today: datetime.date, approved_phase: runtimes.Phase, unapproved_phase: runtimes.Phase
) -> None:
    """GIVEN one runtime's dates, approved or not
    WHEN its phase is asked on each boundary day
    THEN update-blocked > create-blocked > deprecated > not-approved > supported."""
    dates = (D(2031, 1, 31), D(2031, 3, 1), D(2031, 4, 1), None)
    assert runtimes.RuntimeLifecycle("x", *dates).phase(today) is approved_phase
    assert runtimes.RuntimeLifecycle("x", *dates, approved=False).phase(today) is unapproved_phase


@pytest.mark.parametrize(
    ("today", "started"),
    [
        (D(2030, 1, 1), D(2031, 1, 31)),
        (D(2031, 2, 1), D(2031, 1, 31)),
        (D(2031, 3, 2), D(2031, 3, 1)),
        (D(2032, 1, 1), D(2031, 4, 1)),
    ],
)
def test_phase_started_is_the_date_that_applies(
    today: datetime.date, started: datetime.date
) -> None:
    """GIVEN a runtime's three dates WHEN phase_started is asked on days in each phase
    THEN it is the deprecation date while supported or deprecated, else the block date."""
    entry = runtimes.RuntimeLifecycle("x", D(2031, 1, 31), D(2031, 3, 1), D(2031, 4, 1), None)
    assert entry.phase_started(today) == started


def test_failing_phases() -> None:
    """GIVEN every phase WHEN failing is asked
    THEN only deprecated, blocked and not-approved fail a pipeline."""
    failing = {p for p in runtimes.Phase if p.failing}
    assert failing == {
        runtimes.Phase.DEPRECATED,
        runtimes.Phase.CREATE_BLOCKED,
        runtimes.Phase.UPDATE_BLOCKED,
        runtimes.Phase.NOT_APPROVED,
    }


def test_supported_lists_approved_runtimes_not_yet_deprecated(
    org_policy: runtimes.RuntimePolicy,
) -> None:
    """GIVEN the org policy WHEN supported runtimes are listed on a day
    THEN they are the approved ones with dates, not deprecated that day."""
    day = D(2027, 6, 29)
    assert org_policy.supported(day) == ["acme-custom1", "python3.14"]
    assert runtimes.supported_runtimes(day, policy=org_policy) == ["acme-custom1", "python3.14"]
    assert org_policy.supported(D(2027, 6, 30)) == ["acme-custom1"]
    assert "python3.13" in runtimes.supported_runtimes(day)


def test_json_policy_and_empty_policy(tmp_path: Path) -> None:
    """GIVEN a JSON override with string dates, and an empty YAML file
    WHEN they are loaded
    THEN the JSON one applies like YAML, and the empty one equals cfn-lint's table."""
    data = {"approved": ["acme-json"], "runtimes": {"acme-json": {"deprecated": "2030-05-01"}}}
    loaded = runtimes.load_policy(write(tmp_path / "p.json", json.dumps(data)))
    assert loaded.phase("acme-json", D(2030, 5, 1)) is runtimes.Phase.DEPRECATED
    assert loaded.phase("python3.14", D(2027, 1, 1)) is runtimes.Phase.NOT_APPROVED
    assert loaded.source == tmp_path / "p.json"
    empty = runtimes.load_policy(write(tmp_path / "empty.yml", "# nothing yet\n"))
    assert empty.approved is None
    assert dict(empty.entries) == runtimes.lifecycle_table()


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "p.yaml",
            "approved: [python3.14]\nallowed: [nodejs24.x]\n",
            r"allowed is not a known key \(allowed: approved, runtimes\), got \['nodejs24.x'\]",
        ),
        ("p.yaml", "- python3.14\n", r"\(top level\) must be a mapping with the keys approved"),
        (
            "p.yaml",
            "approved: python3.14\n",
            r"approved must be a list of runtime identifiers \(strings\), got 'python3.14'",
        ),
        (
            "p.yaml",
            "approved: [python3.14, 3.12]\n",
            r"approved\[1\] must be a runtime identifier \(a string\), got 3.12",
        ),
        (
            "p.yaml",
            "runtimes: [python3.14]\n",
            r"runtimes must be a mapping of runtime identifier to \{deprecated, create-block, "
            r"update-block, successor\}, got \['python3.14'\]",
        ),
        (
            "p.yaml",
            "runtimes:\n  python3.12: 2026-06-30\n",
            r"runtimes.python3.12 must be a mapping with the keys deprecated, create-block, "
            r"update-block, successor, got datetime.date\(2026, 6, 30\)",
        ),
        (
            "p.yaml",
            "runtimes:\n  python3.12: {deprecated: 2026-13-01}\n",
            r"runtimes.python3.12.deprecated must be a date YYYY-MM-DD, got '2026-13-01'",
        ),
        (
            "p.json",
            '{"runtimes": {"acme": {"create-block": "30/06/2026"}}}',
            r"runtimes.acme.create-block must be a date YYYY-MM-DD, got '30/06/2026'",
        ),
        (
            "p.yaml",
            "runtimes:\n  acme: {deprecated: 2026-06-30T10:00:00}\n",
            r"runtimes.acme.deprecated must be a date YYYY-MM-DD, got datetime.datetime",
        ),
        (
            "p.yaml",
            "runtimes:\n  acme: {retired: 2026-06-30}\n",
            r"runtimes.acme.retired is not a known key \(allowed: deprecated, create-block, "
            r"update-block, successor\)",
        ),
        (
            "p.yaml",
            "runtimes:\n  acme: {successor: [a, b]}\n",
            r"runtimes.acme.successor must be a runtime identifier \(a string\), got \['a', 'b'\]",
        ),
        (
            "p.yaml",
            "runtimes:\n  acme: {deprecated: 2030-06-30, update-block: 2030-06-29}\n",
            r"runtimes.acme.update-block must be on or after the deprecated date 2030-06-30 "
            r"\(from this file\), got '2030-06-29'",
        ),
        ("p.toml", "approved = []\n", r"the file name must end in .json, .yaml, .yml, got '.toml'"),
        ("p.yaml", "approved: [python3.14\n", r"not valid YAML: "),
        ("p.json", '{"approved": }', r"not valid JSON: Expecting value"),
    ],
)
def test_override_file_validation(tmp_path: Path, name: str, text: str, message: str) -> None:
    """GIVEN an override file with one mistake WHEN it is loaded
    THEN PavedRoadError names the file, the key path, the value and what is allowed."""
    path = write(tmp_path / name, text)
    with pytest.raises(PavedRoadError, match=re.escape(f"runtime policy '{path}': ") + message):
        runtimes.load_policy(path)


def test_block_date_before_cfn_lint_deprecation_is_rejected(tmp_path: Path) -> None:
    """GIVEN a create-block for python3.13 earlier than cfn-lint's deprecation date
    WHEN the file is loaded THEN the error cites that date and where it came from."""
    py313 = published("python3.13")
    assert py313.deprecated is not None
    early = py313.deprecated - datetime.timedelta(days=1)
    path = write(tmp_path / "p.yaml", f"runtimes:\n  python3.13: {{create-block: {early}}}\n")
    expected = (
        f"runtimes.python3.13.create-block must be on or after the deprecated date "
        f"{py313.deprecated} (from cfn-lint), got '{early}'"
    )
    with pytest.raises(PavedRoadError, match=re.escape(expected)):
        runtimes.load_policy(path)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    """GIVEN a file with three mistakes WHEN it is loaded
    THEN one PavedRoadError lists all three."""
    path = write(
        tmp_path / "p.yaml",
        "aproved: []\nruntimes:\n  acme: {deprecated: soon}\n  other: nope\n",
    )
    with pytest.raises(PavedRoadError, match="3 problems") as caught:
        runtimes.load_policy(path)
    assert len(caught.value.problems) == 3


def test_a_missing_file_is_a_paved_road_error(tmp_path: Path) -> None:
    """GIVEN a policy path that does not exist WHEN it is loaded through policy_for
    THEN PavedRoadError says it cannot be read."""
    missing = tmp_path / "absent.yaml"
    with pytest.raises(PavedRoadError, match=re.escape(f"'{missing}': cannot be read")):
        runtimes.policy_for(missing)


def test_active_policy_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """GIVEN PAVED_ROAD_RUNTIME_POLICY naming an override file
    WHEN the module-level functions are called without policy=
    THEN they use that file; once the file changes they see the change; without the
    variable they use cfn-lint's table alone."""
    path = write(tmp_path / "org.yaml", POLICY_YAML)
    monkeypatch.setenv(runtimes.POLICY_ENV, str(path))
    day = D(2027, 6, 29)
    assert runtimes.policy().source == path.resolve()
    assert runtimes.phase("acme-custom1", day) is runtimes.Phase.SUPPORTED
    assert runtimes.phase("python3.13", day) is runtimes.Phase.NOT_APPROVED
    assert runtimes.days_left("acme-custom1", D(2031, 1, 30)) == 1
    assert runtimes.supported_runtimes(day) == ["acme-custom1", "python3.14"]
    assert runtimes.policy_for(None) is runtimes.policy()
    write(path, "approved: [python3.13, python3.13-extra-long-name-to-change-the-size]\n")
    assert runtimes.phase("python3.13", day) is runtimes.Phase.SUPPORTED
    assert runtimes.lifecycle("acme-custom1") is None
    monkeypatch.delenv(runtimes.POLICY_ENV)
    assert runtimes.policy() is runtimes.default_policy()
    assert runtimes.policy().approved is None


def test_policy_for_a_path_overrides_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, org_policy: runtimes.RuntimePolicy
) -> None:
    """GIVEN an active policy from the environment and another file
    WHEN policy_for(that file) is asked (as constructs do with the POLICY_CONTEXT key)
    THEN that file's policy is returned, cached while the file is unchanged."""
    monkeypatch.setenv(runtimes.POLICY_ENV, str(write(tmp_path / "env.json", "{}")))
    assert runtimes.POLICY_CONTEXT == "paved-road:runtime-policy"
    assert org_policy.source is not None
    chosen = runtimes.policy_for(str(org_policy.source))
    assert chosen.approved == org_policy.approved
    assert dict(chosen.entries) == dict(org_policy.entries)
    assert runtimes.policy_for(org_policy.source) is chosen
    assert runtimes.policy().approved is None
