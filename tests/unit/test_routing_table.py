"""The offline routing evaluator (paved_road.routing_table): glob forms, case rules, AND of
conditions, priority order, mode-dependent fallback, problems, the docs' worked table,
templates and the `paved-road routes explain` command. No synthesis."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paved_road.cli import main
from paved_road.routing_table import (
    HeaderMatch,
    MappingSpec,
    RoutingMode,
    RoutingTable,
    RuleSpec,
    glob_matches,
    glob_problem,
    tables_from_template,
)

ROOT = Path(__file__).resolve().parents[2]
THEN = RoutingMode.ROUTING_RULE_THEN_API_MAPPING


def rule(name: str, priority: int, api: str = "v2", **kwargs: object) -> RuleSpec:
    headers = tuple(HeaderMatch(k, v) for k, v in dict(kwargs.pop("headers", {})).items())  # type: ignore[call-overload]
    return RuleSpec(name, priority, api, api, "prod", headers=headers, **kwargs)  # type: ignore[arg-type]


ROOT_V1 = MappingSpec("", "v1", "v1", "prod")


@pytest.mark.parametrize(
    ("glob", "value", "expected"),
    [
        ("alpha-v2-latest", "alpha-v2-latest", True),
        ("alpha-v2-latest", "alpha-v2-latest-x", False),
        ("*latest", "alpha-v2-latest", True),  # ends with
        ("*latest", "latest-alpha", False),
        ("alpha*", "alpha-v1", True),  # starts with
        ("alpha*", "beta-v1", False),
        ("*v2*", "beta-v2-test", True),  # contains
        ("*v2*", "alpha-v1", False),
        ("*", "anything", True),
        ("Beta*", "beta-testers", False),  # values are case-sensitive
    ],
)
def test_glob_forms(glob: str, value: str, expected: bool) -> None:
    assert glob_problem(glob) is None
    assert glob_matches(glob, value) is expected


@pytest.mark.parametrize("glob", ["v*2", "**", "a**b", "", "has space", "x" * 128, "é"])
def test_invalid_globs(glob: str) -> None:
    assert glob_problem(glob) is not None


def test_header_names_are_case_insensitive_values_case_sensitive() -> None:
    table = RoutingTable(
        RoutingMode.ROUTING_RULE_ONLY, [rule("R", 100, headers={"X-Version": "v2"})]
    )
    assert table.resolve("/", {"x-VERSION": "v2"}) is not None
    assert table.resolve("/", {"x-version": "V2"}) is None
    assert table.resolve("/", {}) is None  # a missing header never matches


def test_all_conditions_must_hold() -> None:
    # GIVEN one rule with two headers and a base path
    table = RoutingTable(
        RoutingMode.ROUTING_RULE_ONLY,
        [
            rule(
                "R",
                100,
                headers={"x-version": "v2", "x-user-cohort": "beta*"},
                base_path="products",
            )
        ],
    )
    both = {"x-version": "v2", "x-user-cohort": "beta-testers"}
    # THEN it matches only when every condition holds
    assert table.resolve("/products/1", both) is not None
    assert table.resolve("/orders/1", both) is None
    assert table.resolve("/products/1", {"x-version": "v2"}) is None
    assert table.resolve("/products/1", {"x-user-cohort": "beta-testers"}) is None


def test_base_path_is_a_segment_prefix_and_case_sensitive() -> None:
    table = RoutingTable(RoutingMode.ROUTING_RULE_ONLY, [rule("R", 100, base_path="v1/orders")])
    assert table.resolve("/v1/orders", {}) is not None
    assert table.resolve("/v1/orders/7?x=1", {}) is not None  # query string ignored
    assert table.resolve("/v1/ordersX", {}) is None
    assert table.resolve("/V1/orders", {}) is None


def test_lowest_priority_number_wins_whatever_the_order_added() -> None:
    table = RoutingTable(
        RoutingMode.ROUTING_RULE_ONLY,
        [rule("Late", 900, api="v1"), rule("Early", 10, api="v2", headers={"h": "*"})],
    )
    match = table.resolve("/", {"h": "x"})
    assert match is not None and match.rule is not None and match.rule.name == "Early"
    match = table.resolve("/", {})
    assert match is not None and match.priority == 900 and match.api == "v1"


def test_fallback_depends_on_the_mode() -> None:
    rules = [rule("R", 100, headers={"x-version": "v2"})]
    mappings = [ROOT_V1, MappingSpec("orders", "orders", "orders", "live")]
    then = RoutingTable(THEN, rules, mappings)
    only = RoutingTable(RoutingMode.ROUTING_RULE_ONLY, rules, mappings)
    mapping_only = RoutingTable(RoutingMode.API_MAPPING_ONLY, rules, mappings)
    # rules first, mappings as fallback
    assert then.resolve("/x", {"x-version": "v2"}).via == "rule"  # type: ignore[union-attr]
    fallback = then.resolve("/orders/7", {})
    assert fallback is not None and fallback.via == "api_mapping" and fallback.api == "orders"
    assert fallback.forwarded_path == "/7" and fallback.priority is None
    # rules only: no fallback
    assert only.resolve("/orders/7", {}) is None
    # mappings only: rules are ignored
    ignored = mapping_only.resolve("/x", {"x-version": "v2"})
    assert ignored is not None and ignored.via == "api_mapping" and ignored.api == "v1"


def test_longest_mapping_wins_and_root_catches_the_rest() -> None:
    table = RoutingTable(
        RoutingMode.API_MAPPING_ONLY,
        [],
        [ROOT_V1, MappingSpec("v1", "a", "a", "p"), MappingSpec("v1/orders", "b", "b", "p")],
    )
    assert table.resolve("/v1/orders/1", {}).api == "b"  # type: ignore[union-attr]
    assert table.resolve("/v1/orders/1", {}).forwarded_path == "/1"  # type: ignore[union-attr]
    assert table.resolve("/v1/items", {}).api == "a"  # type: ignore[union-attr]
    assert table.resolve("/v10", {}).api == "v1"  # type: ignore[union-attr]
    assert RoutingTable(RoutingMode.API_MAPPING_ONLY, [], []).resolve("/", {}) is None


@pytest.mark.parametrize(("strip", "forwarded"), [(True, "/checkout"), (False, "/v1/checkout")])
def test_strip_base_path(strip: bool, forwarded: str) -> None:
    table = RoutingTable(
        RoutingMode.ROUTING_RULE_ONLY, [rule("R", 1, base_path="v1", strip_base_path=strip)]
    )
    assert table.resolve("/v1/checkout", {}).forwarded_path == forwarded  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("bad", "prop", "text"),
    [
        (rule("R", 0), "priority", "between 1 and 1000000"),
        (rule("R", 1_000_001), "priority", "between 1 and 1000000"),
        (RuleSpec("R", True, "a", "a", "p"), "priority", "integer"),  # type: ignore[arg-type]
        (rule("R", 1, headers={"a": "1", "b": "2", "c": "3"}), "headers", "at most 2"),
        (
            RuleSpec("R", 1, "a", "a", "p", headers=(HeaderMatch("h", "1"), HeaderMatch("H", "2"))),
            "headers",
            "different headers",
        ),
        (rule("R", 1, headers={"bad name": "1"}), "headers", "1-39 characters"),
        (rule("R", 1, headers={"h" * 40: "1"}), "headers", "1-39 characters"),
        (rule("R", 1, headers={"h": "v*2"}), "headers", "only as"),
        (rule("R", 1, base_path="/lead"), "base_path", "without a leading"),
        (rule("R", 1, base_path="trail/"), "base_path", "without a leading"),
        (RuleSpec("R", 1, "a", "a", ""), "stage_name", "empty"),
    ],
)
def test_problems_name_the_prop(bad: RuleSpec, prop: str, text: str) -> None:
    problems = RoutingTable(THEN, [bad]).problems()
    assert any(p == prop and text in m for p, m, _ in problems), problems


def test_duplicate_priorities_and_mappings_are_problems() -> None:
    table = RoutingTable(
        THEN, [rule("A", 100), rule("B", 100)], [ROOT_V1, MappingSpec("", "x", "x", "p")]
    )
    messages = [m for _, m, _ in table.problems()]
    assert any("unique (rule 'A' has it)" in m for m in messages)
    assert any("API mappings must be unique" in m for m in messages)
    assert RoutingTable(THEN, [rule("A", 100), rule("B", 200)], [ROOT_V1]).problems() == []


def test_packed_priorities() -> None:
    table = RoutingTable(THEN, [rule("A", 100), rule("B", 101), rule("C", 300), rule("D", 301)])
    assert table.packed_priorities() == [(100, 101), (300, 301)]


def test_explain_shows_mode_rules_mappings_and_requests() -> None:
    table = RoutingTable(THEN, [rule("Version2", 100, headers={"x-version": "v2"})], [ROOT_V1])
    text = table.explain([("/a", {"x-version": "v2"}), ("/b", {})])
    assert "routing mode: ROUTING_RULE_THEN_API_MAPPING" in text
    assert "x-version=v2" in text and "api mappings (fallback)" in text
    assert "request /a [x-version: v2] -> rule Version2 (priority 100)" in text
    assert "request /b [(no headers)] -> api mapping / -> v1" in text
    only = RoutingTable(RoutingMode.ROUTING_RULE_ONLY, [], [ROOT_V1]).explain([("/", {})])
    assert "ignored" in only and "no route (404)" in only


@settings(max_examples=150, deadline=None)
@given(
    headers=st.dictionaries(
        st.sampled_from(["x-version", "X-Version", "x-user-cohort", "other"]),
        st.sampled_from(["v2", "V2", "beta-testers", "alpha", "beta", ""]),
        max_size=3,
    ),
    path=st.sampled_from(["/", "/products", "/products/1", "/orders", "/productsX"]),
)
def test_resolve_equals_a_brute_force_reference(headers: dict[str, str], path: str) -> None:
    rules = [
        rule("A", 300, headers={"x-version": "v2"}),
        rule("B", 200, headers={"x-user-cohort": "beta*"}, base_path="products"),
        rule("C", 100, headers={"x-version": "*2*", "x-user-cohort": "*testers"}),
        rule("D", 400, base_path="orders"),
    ]
    table = RoutingTable(RoutingMode.ROUTING_RULE_ONLY, rules)
    lowered = {k.lower(): v for k, v in headers.items()}

    def holds(r: RuleSpec) -> bool:
        ok_headers = all(
            h.header in lowered and re.fullmatch(h.value_glob.replace("*", ".*"), lowered[h.header])
            for h in r.headers
        )
        first = path.strip("/").split("/")[0]
        return bool(ok_headers) and (r.base_path is None or first == r.base_path)

    expected = min((r for r in rules if holds(r)), key=lambda r: r.priority, default=None)
    match = table.resolve(path, headers)
    assert (match.rule if match else None) == expected


# --------------------------------------------------------------------- docs worked table

WORKED_RULES = [
    rule("Version2", 100, headers={"x-version": "v2"}),
    rule(
        "BetaProducts",
        150,
        headers={"x-version": "beta*", "x-user-cohort": "*testers"},
        base_path="products",
    ),
    rule("BetaCohort", 200, headers={"x-user-cohort": "beta*"}),
    rule("PinnedV1", 300, api="v1", base_path="v1", strip_base_path=True),
]


def docs_rows() -> list[list[str]]:
    text = (ROOT / "docs" / "routing.md").read_text()
    section = text.split("Requests, and where they go", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in section.splitlines() if line.startswith("| /")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in rows]


def test_docs_worked_table_matches_resolve() -> None:
    table = RoutingTable(THEN, WORKED_RULES, [ROOT_V1])
    rows = docs_rows()
    assert len(rows) >= 8
    for path, header_text, matched, target, received in rows:
        headers = {}
        if header_text != "-":
            for pair in header_text.split(";"):
                name, value = pair.split(":", 1)
                headers[name.strip()] = value.strip()
        match = table.resolve(path, headers)
        assert match is not None, path
        shown = f"rule {match.rule.name} ({match.priority})" if match.rule else "api mapping (root)"
        assert (shown, match.api, match.forwarded_path) == (matched, target, received), path


# ------------------------------------------------------------------- template and CLI

TEMPLATE = {
    "Resources": {
        "Domain": {
            "Type": "AWS::ApiGateway::DomainName",
            "Properties": {
                "DomainName": "api.example.com",
                "RoutingMode": "ROUTING_RULE_THEN_BASE_PATH_MAPPING",
            },
        },
        "V1": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "orders-v1"}},
        "V2": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "orders-v2"}},
        "V2Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"StageName": "live"}},
        "Rule": {
            "Type": "AWS::ApiGatewayV2::RoutingRule",
            "Properties": {
                "DomainNameArn": {"Fn::GetAtt": ["Domain", "DomainNameArn"]},
                "Priority": 100,
                "Conditions": [
                    {"MatchHeaders": {"AnyOf": [{"Header": "x-version", "ValueGlob": "v2"}]}}
                ],
                "Actions": [{"InvokeApi": {"ApiId": {"Ref": "V2"}, "Stage": {"Ref": "V2Stage"}}}],
            },
        },
        "Mapping": {
            "Type": "AWS::ApiGateway::BasePathMapping",
            "Properties": {
                "DomainName": {"Ref": "Domain"},
                "RestApiId": {"Ref": "V1"},
                "Stage": "prod",
            },
        },
    }
}


def test_tables_from_template() -> None:
    (table,) = tables_from_template(TEMPLATE).values()
    assert table.mode == THEN
    to_v2 = table.resolve("/x", {"x-version": "v2"})
    assert to_v2 is not None and to_v2.api == "V2" and to_v2.stage_name == "live"
    assert to_v2.api_name == "V2 (orders-v2)"
    fallback = table.resolve("/x", {})
    assert fallback is not None and fallback.api == "V1" and fallback.stage_name == "prod"


def test_cli_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Stack.template.json"
    path.write_text(json.dumps(TEMPLATE))
    code = main(
        [
            "routes",
            "explain",
            str(path),
            "--request",
            "/a",
            "-H",
            "X-Version: v2",
            "--request",
            "/b",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert (
        "request /a [X-Version: v2] -> rule Rule (priority 100) -> V2 (orders-v2) stage live" in out
    )
    assert "request /b [(no headers)] -> api mapping / -> V1 (orders-v1) stage prod" in out
    assert main(["routes", "explain", str(path), "--format", "json", "--request", "/a"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["requests"][0]["match"]["via"] == "api_mapping"


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"Resources": {}}))
    assert main(["routes", "explain", str(empty)]) == 2
    broken = json.loads(json.dumps(TEMPLATE))
    broken["Resources"]["Rule2"] = json.loads(json.dumps(broken["Resources"]["Rule"]))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken))
    assert main(["routes", "explain", str(bad)]) == 1
    assert "PROBLEM: priority" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["routes", "explain", str(bad), "-H", "x: y"])  # a header needs a request
