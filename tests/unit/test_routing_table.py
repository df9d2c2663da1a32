"""The offline routing evaluator (paved_road.routing_table) and `paved-road routes explain`:
glob forms, case rules, the AND of conditions, priority order, mode-dependent fallback,
API mappings, base-path stripping, problems(), explain(), templates, the CLI, and the
worked table and CLI example of docs/routing.md (checked against resolve()). No synth.

Where a test replays an example of the API Gateway developer guide, it says which one."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paved_road.cli import main
from paved_road.routing_table import (
    NO_ROUTE,
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
DOC = ROOT / "docs" / "routing.md"
ONLY = RoutingMode.ROUTING_RULE_ONLY
THEN = RoutingMode.ROUTING_RULE_THEN_API_MAPPING
MAPPINGS = RoutingMode.API_MAPPING_ONLY


def rule(
    name: str,
    priority: Any,
    api: str = "v2",
    *,
    stage: str = "prod",
    headers: Sequence[tuple[str, str]] = (),
    base_path: str | None = None,
    strip: bool = False,
) -> RuleSpec:
    return RuleSpec(
        name=name,
        priority=priority,
        api=api,
        api_name=api,
        stage_name=stage,
        headers=tuple(HeaderMatch(h, v) for h, v in headers),
        base_path=base_path,
        strip_base_path=strip,
    )


def mapping(base_path: str, api: str, stage: str = "prod") -> MappingSpec:
    return MappingSpec(base_path, api, api, stage)


def matched(table: RoutingTable, path: str, headers: Mapping[str, Any] | None = None) -> str:
    """'rule NAME', 'mapping LABEL' or 'none' for a request."""
    match = table.resolve(path, headers or {})
    if match is None:
        return "none"
    if match.rule is not None:
        return f"rule {match.rule.name}"
    assert match.mapping is not None
    return f"mapping {match.mapping.label}"


# ----------------------------------------------------------------------------- globs


@pytest.mark.parametrize(
    ("glob", "value", "expected"),
    [
        # developer guide, "Using wildcards with header conditions"
        ("a*", "account", True),
        ("a*", "alpha", True),
        ("a*", "backup", False),
        ("a*", "beta", False),
        ("*a", "alpha", True),
        ("*a", "beta", True),
        ("*a", "account", False),
        ("*a*", "backup", True),
        ("*a*", "users", False),
        ("*", "users", True),
        ("*", "", True),
        # launch post: exact, ends with, starts with, contains
        ("alpha-v2-latest", "alpha-v2-latest", True),
        ("alpha-v2-latest", "alpha-v2-latest-x", False),
        ("alpha-v2-latest", "xalpha-v2-latest", False),
        ("*latest", "alpha-v2-latest", True),
        ("*latest", "alpha-v2", False),
        ("alpha*", "alpha-v1", True),
        ("alpha*", "beta-v1", False),
        ("*v2*", "beta-v2-test", True),
        ("*v2*", "alpha-v1", False),
        # the literal part may be the whole value
        ("*v2*", "v2", True),
        ("alpha*", "alpha", True),
        # values are case-sensitive; '?' is no wildcard
        ("Beta*", "beta-testers", False),
        ("v?", "v2", False),
        ("v?", "v?", True),
    ],
)
def test_glob_forms(glob: str, value: str, expected: bool) -> None:
    # GIVEN a valid glob WHEN a value is matched THEN the form decides
    assert glob_problem(glob) is None
    assert glob_matches(glob, value) is expected


@pytest.mark.parametrize(
    ("glob", "text"),
    [
        ("v*2", "only as"),
        ("**", "only as"),
        ("a*b*", "only as"),
        ("*a*b", "only as"),
        ("", "non-empty"),
        ("has space", "may only use"),
        ("é", "may only use"),
        ("a,b", "may only use"),
        ("image/webp", "may only use"),
        ("x" * 128, "under 128"),
        ("*" + "x" * 38 + "*", "under 40 characters for an *infix*"),
    ],
)
def test_invalid_globs_say_what_is_allowed(glob: str, text: str) -> None:
    # GIVEN an invalid glob THEN glob_problem says what is allowed
    problem = glob_problem(glob)
    assert problem is not None and text in problem


@pytest.mark.parametrize("glob", ["v*2", "**", "a*b*", "*a*b", ""])
def test_a_misplaced_wildcard_matches_nothing(glob: str) -> None:
    # GIVEN a '*' that is neither leading, trailing nor alone THEN nothing matches
    assert not glob_matches(glob, glob) and not glob_matches(glob, "v2")


def test_a_glob_outside_the_documented_characters_still_matches_by_its_form() -> None:
    # GIVEN globs with '/' or '=' (not in the documented character set, yet used by the
    # developer guide's own examples: Accept:image/webp, Cookie:*ux=beta*)
    # THEN they match by their form; problems() reports them separately
    assert glob_matches("image/webp", "image/webp")
    assert glob_matches("*ux=beta*", "lang=en-us;ux=beta")
    assert not glob_matches("image/webp", "image/png")


def test_glob_length_limits_are_inclusive_below_the_maximum() -> None:
    # GIVEN the longest allowed globs (under 128; an infix glob under 40)
    assert glob_problem("x" * 127) is None
    assert glob_problem("*" + "x" * 37 + "*") is None
    assert glob_problem("*" + "x" * 126) is None  # an ends-with glob may be long


# ------------------------------------------------------------------- header conditions


def test_header_names_are_case_insensitive_values_case_sensitive() -> None:
    # GIVEN a rule on X-Version: v2
    table = RoutingTable(ONLY, [rule("R", 100, headers=[("X-Version", "v2")])])
    # THEN the name matches in any case, the value only in its own
    assert matched(table, "/", {"x-VERSION": "v2"}) == "rule R"
    assert matched(table, "/", {"x-version": "V2"}) == "none"
    # AND a missing header never matches, even for '*'
    assert matched(table, "/", {}) == "none"
    assert matched(RoutingTable(ONLY, [rule("R", 1, headers=[("h", "*")])]), "/", {}) == "none"


@pytest.mark.parametrize(
    ("globs", "matching", "not_matching"),
    [
        # developer guide: two conditions on the same header
        (("*a*", "*b*"), ["backup", "beta"], ["account", "alpha", "users"]),
        (("b*", "*a"), ["beta"], ["account", "alpha", "backup", "users"]),
    ],
)
def test_two_conditions_on_one_header(
    globs: tuple[str, str], matching: list[str], not_matching: list[str]
) -> None:
    # GIVEN a rule with two conditions on x-version
    table = RoutingTable(ONLY, [rule("R", 1, headers=[("x-version", g) for g in globs])])
    assert table.problems() == []  # a header may appear twice in one rule
    # THEN only values matching both globs route
    for value in matching:
        assert matched(table, "/", {"x-version": value}) == "rule R", value
    for value in not_matching:
        assert matched(table, "/", {"x-version": value}) == "none", value


def test_a_header_sent_twice_matches_on_either_value_but_a_list_value_is_literal() -> None:
    # GIVEN Accept: *json (developer guide: literal matching of headers)
    table = RoutingTable(ONLY, [rule("Json", 1, headers=[("Accept", "*json")])])
    # WHEN Accept is sent on two lines THEN one of them matching is enough
    assert matched(table, "/", {"Accept": ["application/json", "text/xml"]}) == "rule Json"
    assert matched(table, "/", {"accept": "text/xml", "ACCEPT": "application/json"}) == (
        "rule Json"
    )
    # WHEN it is one comma-separated line THEN *json does not match, *json* does
    assert matched(table, "/", {"Accept": "application/json,text/xml"}) == "none"
    contains = RoutingTable(ONLY, [rule("Json", 1, headers=[("Accept", "*json*")])])
    assert matched(contains, "/", {"Accept": "application/json,text/xml"}) == "rule Json"


AND_RULE = rule(
    "R", 100, headers=[("x-version", "v2"), ("x-user-cohort", "beta*")], base_path="products"
)


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/products/1", {"x-version": "v2", "x-user-cohort": "beta-testers"}, "rule R"),
        ("/orders/1", {"x-version": "v2", "x-user-cohort": "beta-testers"}, "none"),
        ("/products/1", {"x-version": "v3", "x-user-cohort": "beta-testers"}, "none"),
        ("/products/1", {"x-version": "v2", "x-user-cohort": "alpha"}, "none"),
        ("/products/1", {"x-version": "v2"}, "none"),
        ("/products/1", {"x-user-cohort": "beta-testers"}, "none"),
    ],
)
def test_all_conditions_must_hold(path: str, headers: dict[str, str], expected: str) -> None:
    # GIVEN two header conditions AND a base path WHEN any single one fails THEN no match
    assert matched(RoutingTable(ONLY, [AND_RULE]), path, headers) == expected


# ----------------------------------------------------------------------------- base paths


@pytest.mark.parametrize(
    ("base_path", "path", "expected"),
    [
        ("products", "/products", True),
        ("products", "/products/items/1", True),
        ("products", "products/items", True),  # leading slash optional
        ("products", "/products?x=1", True),  # query string ignored
        ("products", "https://api.example.com/products/1?x=1", True),  # a full URL
        ("products", "/productsX", False),  # whole segments only
        ("products", "/Products", False),  # case-sensitive
        ("products", "/shop/products", False),  # leading segments only
        ("products", "/", False),
        ("v1/orders", "/v1/orders/7", True),
        ("v1/orders", "/v1/ordersX", False),
        ("v1/orders", "/v1", False),
    ],
)
def test_base_path_condition(base_path: str, path: str, expected: bool) -> None:
    # GIVEN a base-path rule WHEN a path is resolved THEN leading whole segments decide
    table = RoutingTable(ONLY, [rule("R", 1, base_path=base_path)])
    assert (table.resolve(path, {}) is not None) is expected


@pytest.mark.parametrize(
    ("base_path", "strip", "path", "forwarded"),
    [
        # developer guide, "Strip the base path with base path conditions"
        ("PetStoreShopper/dogs", True, "/PetStoreShopper/dogs", "/"),
        ("PetStoreShopper/dogs", False, "/PetStoreShopper/dogs", "/PetStoreShopper/dogs"),
        ("PetStoreShopper", True, "/PetStoreShopper/dogs", "/dogs"),
        ("PetStoreShopper", False, "/PetStoreShopper/dogs", "/PetStoreShopper/dogs"),
        ("PetStoreShopper", True, "/PetStoreShopper?birds=available", "/"),
        ("PetStoreShopper", False, "/PetStoreShopper?birds=available", "/PetStoreShopper"),
    ],
)
def test_strip_base_path(base_path: str, strip: bool, path: str, forwarded: str) -> None:
    # GIVEN a base-path rule that strips (or not) WHEN it matches THEN the stage gets...
    table = RoutingTable(ONLY, [rule("R", 1, base_path=base_path, strip=strip)])
    match = table.resolve(path, {})
    assert match is not None and match.forwarded_path == forwarded


def test_strip_without_base_path_forwards_the_whole_path() -> None:
    # GIVEN a header rule with strip set (nothing to strip) THEN the path is unchanged
    table = RoutingTable(ONLY, [rule("R", 1, headers=[("h", "1")], strip=True)])
    match = table.resolve("/a/b", {"h": "1"})
    assert match is not None and match.forwarded_path == "/a/b"


# ------------------------------------------------------------------ priorities and modes


def test_lowest_priority_number_wins_whatever_the_order_added() -> None:
    # GIVEN a catch-all at 900 added before a header rule at 10
    table = RoutingTable(ONLY, [rule("Late", 900, "v1"), rule("Early", 10, headers=[("h", "*")])])
    # THEN the header rule is evaluated first, and the catch-all takes the rest
    early = table.resolve("/", {"h": "x"})
    assert early is not None and early.rule is not None and early.rule.name == "Early"
    assert early.priority == 10 and early.via == "rule" and early.api == "v2"
    late = table.resolve("/anything/at/all", {})
    assert late is not None and late.priority == 900 and late.api == "v1"
    assert late.rule is not None and late.rule.is_catch_all and not early.rule.is_catch_all
    assert [r.name for r in table.ordered_rules()] == ["Early", "Late"]


def test_developer_guide_example_1_routing_rules_only() -> None:
    # GIVEN example 1 of the developer guide's examples page (ROUTING_RULE_ONLY)
    table = RoutingTable(
        ONLY,
        [
            rule("abc123", 10, "api1", headers=[("Hello", "World")]),
            rule(
                "zzz000",
                50,
                "api2",
                headers=[("Accept", "image/webp"), ("Pet", "Dog-*")],
                base_path="PetStoreShopper",
            ),
            rule("efg456", 100, "api3"),
        ],
    )
    shopper = {"Pet": "Dog-Bella", "Accept": "image/webp"}
    # THEN each request goes where the guide says
    assert matched(table, "/", {"Hello": "World"}) == "rule abc123"
    assert matched(table, "/PetStoreShopper", {"Hello": "World", **shopper}) == "rule abc123"
    assert matched(table, "/PetStoreShopper", shopper) == "rule zzz000"
    assert matched(table, "/PetStoreShopper", {"Pet": "Dog-Bella"}) == "rule efg456"
    # AND the '/' of image/webp is outside the documented glob characters
    assert [(p, v) for p, _, v in table.problems()] == [("headers", "image/webp")]


def test_developer_guide_example_2_rules_then_mappings() -> None:
    # GIVEN example 2 (ROUTING_RULE_THEN_API_MAPPING, a Cookie *contains* rule)
    table = RoutingTable(
        THEN,
        [
            rule("abc123", 1, "PetStore", base_path="pets"),
            rule("000zzz", 5, "Refunds", stage="Beta", headers=[("Cookie", "*ux=beta*")]),
        ],
        [mapping("refunds", "Refunds", "Prod"), mapping("", "Search", "Prod")],
    )
    # THEN
    assert matched(table, "/pets") == "rule abc123"
    assert matched(table, "/refunds", {"Cookie": "lang=en-us;ux=beta"}) == "rule 000zzz"
    assert matched(table, "/refunds") == "mapping refunds"
    assert matched(table, "/") == "mapping (none)"
    assert [(p, v) for p, _, v in table.problems()] == [("headers", "*ux=beta*")]


def test_developer_guide_example_3_no_route_is_a_403() -> None:
    # GIVEN example 3: rules, multi-level mappings and no (none) mapping
    table = RoutingTable(
        THEN,
        [
            rule("abc123", 10, "api1", headers=[("Hello", "World")]),
            rule(
                "000zzz",
                50,
                "api2",
                headers=[("Accept", "image/webp"), ("Pet", "Dog-*")],
                base_path="PetStoreShopper",
            ),
        ],
        [mapping("PetStoreShopper", "api3"), mapping("PetStoreShopper/cats", "api4")],
    )
    # THEN
    shopper = {"Accept": "image/webp", "Pet": "Cats"}
    assert matched(table, "/PetStoreShopper", shopper) == "mapping PetStoreShopper"
    assert matched(table, "/PetStoreShopper/cats", {"Hello": "World"}) == "rule abc123"
    assert matched(table, "/PetStoreShopper/cats/1") == "mapping PetStoreShopper/cats"
    assert matched(table, "/Admin", {"Pet": "Dog-Bella"}) == "none"
    assert "403 Forbidden" in NO_ROUTE
    assert NO_ROUTE in table.explain([("/Admin", {"Pet": "Dog-Bella"})])


@pytest.mark.parametrize(
    ("mode", "with_header", "without_header"),
    [
        (THEN, "rule R", "mapping orders"),  # rules first, mappings as fallback
        (ONLY, "rule R", "none"),  # mappings ignored
        (MAPPINGS, "mapping orders", "mapping orders"),  # rules ignored
    ],
)
def test_the_mode_decides_what_routes(
    mode: RoutingMode, with_header: str, without_header: str
) -> None:
    # GIVEN the same rule and mappings under each mode
    table = RoutingTable(
        mode,
        [rule("R", 100, headers=[("x-version", "v2")])],
        [mapping("orders", "orders"), mapping("", "v1")],
    )
    # THEN
    assert matched(table, "/orders/7", {"x-version": "v2"}) == with_header
    assert matched(table, "/orders/7", {}) == without_header


def test_a_catch_all_rule_shadows_the_mappings() -> None:
    # GIVEN a catch-all rule in ROUTING_RULE_THEN_API_MAPPING THEN no request falls back
    table = RoutingTable(THEN, [rule("CatchAll", 1000, "v1")], [mapping("orders", "orders")])
    assert matched(table, "/orders/7") == "rule CatchAll"


# ---------------------------------------------------------------------------- API mappings


def test_mapping_match_strips_the_base_path_and_has_no_priority() -> None:
    # GIVEN a mapping (developer guide: orders/shop/5) WHEN matched THEN always stripped
    table = RoutingTable(MAPPINGS, [], [mapping("orders/shop/5", "api", "test")])
    match = table.resolve("/orders/shop/5/hats", {})
    assert match is not None and match.via == "api_mapping" and match.priority is None
    assert match.forwarded_path == "/hats" and match.stage_name == "test"
    assert match.rule is None and match.mapping is not None


# developer guide, "Use API mappings to connect API stages to a custom domain name"
# (multi-level mappings; the HTTP API page maps API 5 at orders/v2/items/categories)
MULTI_LEVEL = [
    mapping("", "api1"),
    mapping("orders", "api2"),
    mapping("orders/v1/items", "api3"),
    mapping("orders/v2/items", "api4"),
    mapping("orders/v2/items/categories", "api5"),
]


@pytest.mark.parametrize(
    ("path", "api", "forwarded"),
    [
        ("/orders", "api2", "/"),
        ("/orders/v1/items", "api3", "/"),
        ("/orders/v2/items", "api4", "/"),
        ("/orders/v1/items/123", "api3", "/123"),
        ("/orders/v2/items/categories/5", "api5", "/5"),
        ("/customers", "api1", "/customers"),
        ("/ordersandmore", "api2", "/andmore"),  # string prefix once a mapping is multi-level
    ],
)
def test_longest_mapping_wins(path: str, api: str, forwarded: str) -> None:
    # GIVEN the guide's multi-level mappings WHEN resolved THEN the longest match wins
    match = RoutingTable(MAPPINGS, [], MULTI_LEVEL).resolve(path, {})
    assert match is not None and (match.api, match.forwarded_path) == (api, forwarded)


def test_single_level_mappings_match_whole_segments() -> None:
    # GIVEN only single-level mappings (orders and the root)
    table = RoutingTable(MAPPINGS, [], [mapping("orders", "api2"), mapping("(none)", "api1")])
    # THEN /ordersandmore goes to the root (developer guide), /orders/7 to orders
    assert matched(table, "/ordersandmore") == "mapping (none)"
    assert matched(table, "/orders/7") == "mapping orders"
    assert matched(table, "/Orders/7") == "mapping (none)"  # case-sensitive
    # AND without a root mapping an unmatched request has no route
    assert matched(RoutingTable(MAPPINGS, [], [mapping("orders", "a")]), "/x") == "none"
    assert matched(RoutingTable(MAPPINGS, [], []), "/") == "none"


# ------------------------------------------------------------------------------ problems

PROBLEM_CASES: list[tuple[str, RuleSpec | MappingSpec, str, str]] = [
    ("priority 0", rule("R", 0), "priority", "between 1 and 1000000"),
    ("priority too big", rule("R", 1_000_001), "priority", "between 1 and 1000000"),
    ("priority bool", rule("R", True), "priority", "must be an integer"),
    ("priority str", rule("R", "100"), "priority", "must be an integer"),
    ("priority float", rule("R", 1.5), "priority", "must be an integer"),
    (
        "three headers",
        rule("R", 1, headers=[("a", "1"), ("b", "2"), ("c", "3")]),
        "headers",
        "at most 2 header conditions",
    ),
    ("header name charset", rule("R", 1, headers=[("bad name", "1")]), "headers", "1-39"),
    ("header name length", rule("R", 1, headers=[("h" * 40, "1")]), "headers", "1-39"),
    ("header name wildcard", rule("R", 1, headers=[("x-*", "1")]), "headers", "no wildcard"),
    ("empty header name", rule("R", 1, headers=[("", "1")]), "headers", "must name each"),
    (
        "restricted header",
        rule("R", 1, headers=[("Authorization", "Bearer*")]),
        "headers",
        "does not support it",
    ),
    (
        "restricted prefix",
        rule("R", 1, headers=[("X-Amzn-Trace-Id", "*")]),
        "headers",
        "does not support it",
    ),
    ("glob wildcard inside", rule("R", 1, headers=[("h", "v*2")]), "headers", "only as"),
    ("glob charset", rule("R", 1, headers=[("h", "a b")]), "headers", "may only use"),
    ("glob length", rule("R", 1, headers=[("h", "x" * 128)]), "headers", "under 128"),
    ("infix length", rule("R", 1, headers=[("h", "*" + "x" * 38 + "*")]), "headers", "infix"),
    ("empty glob", rule("R", 1, headers=[("h", "")]), "headers", "non-empty"),
    ("base path leading slash", rule("R", 1, base_path="/lead"), "base_path", "start or end"),
    ("base path trailing slash", rule("R", 1, base_path="trail/"), "base_path", "start or end"),
    ("base path empty", rule("R", 1, base_path=""), "base_path", "non-empty"),
    ("base path charset", rule("R", 1, base_path="a b"), "base_path", "segments of"),
    ("base path empty segment", rule("R", 1, base_path="a//b"), "base_path", "segments of"),
    ("base path length", rule("R", 1, base_path="p" * 128), "base_path", "at most 127"),
    ("empty stage", rule("R", 1, stage=""), "stage_name", "must name a stage"),
    ("mapping base path", mapping("/orders", "a"), "mappings", "start or end"),
    ("mapping charset", mapping("or ders", "a"), "mappings", "segments of"),
    ("mapping length", mapping("m" * 301, "a"), "mappings", "at most 300"),
    ("mapping stage", mapping("orders", "a", ""), "mappings", "must name a stage"),
]


@pytest.mark.parametrize(
    ("bad", "prop", "text"),
    [case[1:] for case in PROBLEM_CASES],
    ids=[case[0] for case in PROBLEM_CASES],
)
def test_each_invalid_setting_is_a_problem(
    bad: RuleSpec | MappingSpec, prop: str, text: str
) -> None:
    # GIVEN a table with one invalid rule or mapping
    table = (
        RoutingTable(THEN, [bad]) if isinstance(bad, RuleSpec) else RoutingTable(THEN, [], [bad])
    )
    # WHEN it is validated THEN exactly that problem is reported, naming the prop
    problems = table.problems()
    assert len(problems) == 1, problems
    found_prop, message, received = problems[0]
    assert found_prop == prop and text in message, problems[0]
    assert received is not None


def test_duplicates_are_problems() -> None:
    # GIVEN two rules at priority 100 and two root mappings
    table = RoutingTable(
        THEN,
        [rule("A", 100), rule("B", 100)],
        [mapping("", "x"), mapping("(none)", "y")],
    )
    # THEN both are reported, the priority one naming the rule that has it
    assert table.problems() == [
        ("priority", "of rule 'B' must be unique on the domain (rule 'A' has it)", 100),
        ("mappings", "must have different base paths on one domain", "(none)"),
    ]


def test_problems_are_all_collected_and_valid_tables_have_none() -> None:
    # GIVEN one rule with four problems and a bad mapping
    bad = rule("R", 0, stage="", headers=[("x-*", "v*2")], base_path="/p/")
    table = RoutingTable(ONLY, [bad], [mapping("/m", "a")])
    # THEN every one of them is reported
    props = sorted(p for p, _, _ in table.problems())
    assert props == ["base_path", "headers", "headers", "mappings", "priority", "stage_name"]
    # AND a valid table has none
    valid = RoutingTable(
        THEN,
        [AND_RULE, rule("C", 1_000_000, base_path="a/b-c_d.e+f!g*h'(i)$")],
        MULTI_LEVEL,
    )
    assert valid.problems() == []


def test_packed_priorities() -> None:
    # GIVEN priorities 100/101 and 302/303 THEN those pairs have no room between them
    table = RoutingTable(
        THEN,
        [rule("A", 100), rule("B", 101), rule("C", 300), rule("D", 302), rule("E", 303)],
    )
    assert table.packed_priorities() == [(100, 101), (302, 303)]
    assert RoutingTable(THEN, [rule("A", 100), rule("B", True)]).packed_priorities() == []


# ------------------------------------------------------------------------------- explain


def test_explain_shows_mode_rules_in_order_mappings_and_requests() -> None:
    # GIVEN a rules-then-mappings table with rules added out of order
    table = RoutingTable(
        THEN,
        [
            rule("Pinned", 300, "v1", base_path="v1", strip=True),
            rule("Version2", 100, headers=[("x-version", "v2*")]),
        ],
        [mapping("", "v1"), mapping("orders", "orders")],
    )
    # WHEN explained with requests
    text = table.explain(
        [("/a", {"x-version": "v2-beta"}), ("/v1/x?q=1", {}), ("/orders/7", {"h": "1"})]
    )
    lines = text.splitlines()
    # THEN the mode comes first, then the rules in evaluation order
    assert lines[0].startswith("routing mode: ROUTING_RULE_THEN_API_MAPPING")
    assert text.index("Version2") < text.index("Pinned")
    assert re.search(r"^\s+100\s+Version2\s+x-version=v2\*\s+v2/prod\s+no$", text, re.M)
    assert re.search(r"^\s+300\s+Pinned\s+basePath=v1\s+v1/prod\s+yes$", text, re.M)
    # AND the mappings are the fallback, the root last
    assert "api mappings: fallback when no rule matches" in text
    assert text.index("orders/prod") < text.index("(none)")
    # AND each request says where it goes
    assert (
        "  /a [x-version: v2-beta] -> matched rule Version2 (priority 100) -> v2/prod path /a"
        in (lines)
    )
    assert "  /v1/x?q=1 [no headers] -> matched rule Pinned (priority 300) -> v1/prod path /x" in (
        lines
    )
    assert "  /orders/7 [h: 1] -> matched api mapping orders -> orders/prod path /7" in lines


def test_explain_marks_what_the_mode_ignores() -> None:
    # GIVEN the same rules and mappings WHEN explained in each mode THEN it says so
    rules = [rule("R", 1, headers=[("h", "1")])]
    mappings = [mapping("", "v1")]
    only = RoutingTable(ONLY, rules, mappings).explain([("/", {})])
    assert "api mappings: ignored (mode ROUTING_RULE_ONLY)" in only
    assert only.endswith(f"/ [no headers] -> {NO_ROUTE}")
    mapping_only = RoutingTable(MAPPINGS, rules, mappings).explain()
    assert "routing rules: ignored (mode API_MAPPING_ONLY)" in mapping_only
    empty = RoutingTable(ONLY).explain()
    assert "(no rules)" in empty and "(no API mappings)" in empty and "requests:" not in empty


def test_routing_mode_spellings() -> None:
    # GIVEN the REST (BASE_PATH_MAPPING) and v2 (API_MAPPING) spellings THEN both parse
    assert RoutingMode.parse("ROUTING_RULE_THEN_BASE_PATH_MAPPING") is THEN
    assert RoutingMode.parse("BASE_PATH_MAPPING_ONLY") is MAPPINGS
    assert RoutingMode.parse("routing_rule_only") is ONLY
    assert RoutingMode.parse(None) is MAPPINGS and RoutingMode.lookup("nope") is None
    assert THEN.rest_domain_value == "ROUTING_RULE_THEN_BASE_PATH_MAPPING"
    assert isinstance(ONLY, str) and ONLY.value == ONLY.name == "ROUTING_RULE_ONLY"


def test_a_table_takes_the_mode_in_either_spelling_and_rejects_others() -> None:
    # GIVEN a mode as a string THEN the table holds the enum, or refuses an unknown one
    assert RoutingTable("ROUTING_RULE_THEN_BASE_PATH_MAPPING").mode is THEN  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode must be one of"):
        RoutingTable("RULES")  # type: ignore[arg-type]


def test_cli_help_documents_requests_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN --help is asked for THEN the request syntax and exit codes are shown, plain text
    with pytest.raises(SystemExit) as exc:
        main(["routes", "explain", "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert "--request PATH starts a request" in out and "Exit codes" in out
    assert "``" not in out


def test_the_evaluator_and_cli_import_no_aws_cdk() -> None:
    # GIVEN a fresh interpreter WHEN the evaluator and the CLI module are imported
    code = (
        "import sys, paved_road.routing_table, paved_road.routes_cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('aws_cdk', 'jsii'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    # THEN neither aws-cdk-lib nor jsii is loaded
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------- property (hypothesis)

NAMES = ["x-version", "x-user-cohort", "accept"]
CORES = ["v2", "beta", "a", "-"]
GLOBS = st.one_of(
    st.just("*"),
    st.sampled_from(CORES),
    st.sampled_from(CORES).map(lambda c: "*" + c),
    st.sampled_from(CORES).map(lambda c: c + "*"),
    st.sampled_from(CORES).map(lambda c: "*" + c + "*"),
)
RULE_SHAPES = st.tuples(
    st.lists(st.tuples(st.sampled_from(NAMES), GLOBS), max_size=2),
    st.sampled_from([None, None, "products", "orders", "products/items"]),
)


def reference(rules: list[RuleSpec], mode: RoutingMode, path: str, headers: dict[str, str]) -> str:
    """A brute-force, independent reading of the semantics."""
    values: dict[str, list[str]] = {}
    for name, value in headers.items():
        values.setdefault(name.lower(), []).append(value)
    bare = "/" + "/".join(s for s in path.split("?")[0].split("/") if s) + "/"

    def holds(r: RuleSpec) -> bool:
        for h in r.headers:
            pattern = ".*".join(re.escape(part) for part in h.value_glob.split("*"))
            if not any(re.fullmatch(pattern, v) for v in values.get(h.header.lower(), [])):
                return False
        return r.base_path is None or bare.startswith(f"/{r.base_path}/")

    if mode is not MAPPINGS:
        candidates = [r for r in rules if holds(r)]
        if candidates:
            return f"rule {min(candidates, key=lambda r: r.priority).name}"
    if mode is ONLY:
        return "none"
    return "mapping orders" if bare.startswith("/orders/") else "mapping (none)"


@settings(max_examples=200, deadline=None)
@given(
    shapes=st.lists(RULE_SHAPES, max_size=5),
    priorities=st.lists(st.integers(1, 1_000_000), min_size=5, max_size=5, unique=True),
    mode=st.sampled_from(list(RoutingMode)),
    headers=st.dictionaries(
        st.sampled_from([*NAMES, "X-Version", "X-USER-COHORT", "other"]),
        st.sampled_from(["v2", "V2", "v2-beta", "beta-v2", "beta", "alpha", "a-", ""]),
        max_size=4,
    ),
    path=st.sampled_from(
        ["/", "/products", "/products/items/1", "/productsX", "/orders?x=1", "/Products", "o"]
    ),
)
def test_resolve_equals_a_brute_force_reference(
    shapes: list[tuple[list[tuple[str, str]], str | None]],
    priorities: list[int],
    mode: RoutingMode,
    headers: dict[str, str],
    path: str,
) -> None:
    # GIVEN random rules (valid globs, unique priorities) and a random request
    rules = [
        rule(f"R{p}", p, headers=h, base_path=b)
        for (h, b), p in zip(shapes, priorities, strict=False)
    ]
    table = RoutingTable(mode, rules, [mapping("orders", "orders"), mapping("", "v1")])
    assert table.problems() == []
    # WHEN resolved THEN the result is the reference's
    assert matched(table, path, headers) == reference(rules, mode, path, headers)


# ------------------------------------------------------------- docs/routing.md worked table

WORKED_RULES = [
    rule("Version2", 100, headers=[("x-version", "v2")]),
    rule(
        "ProductsPreview",
        150,
        stage="preview",
        headers=[("x-version", "*preview*")],
        base_path="products",
        strip=True,
    ),
    rule("BetaCohort", 200, headers=[("x-user-cohort", "beta*")]),
    rule("Checkout", 300, "v1", base_path="checkout"),
    rule("CatchAll", 1000, "v1"),
]
WORKED_MAPPINGS = [mapping("orders", "orders"), mapping("", "v1")]


def doc_table(marker: str) -> list[list[str]]:
    """The body rows of the markdown table after ``<!-- marker -->``, cells without
    backticks."""
    text = DOC.read_text(encoding="utf-8")
    after = text.split(f"<!-- {marker} -->", 1)[1].lstrip("\n")
    lines = []
    for line in after.splitlines():
        if not line.startswith("|"):
            break
        lines.append(line)
    return [[c.strip().strip("`") for c in line.strip("|").split("|")] for line in lines[2:]]


def worked_setups() -> dict[str, RoutingTable]:
    tables = {}
    for setup, mode, priorities, _ in doc_table("worked-setups"):
        wanted = {int(p) for p in priorities.split(",")}
        rules = [r for r in WORKED_RULES if r.priority in wanted]
        assert len(rules) == len(wanted), priorities
        tables[setup] = RoutingTable(RoutingMode(mode), rules, list(WORKED_MAPPINGS))
    return tables


def test_docs_worked_rules_and_mappings_are_the_tested_ones() -> None:
    # GIVEN the rules and mappings tables of docs/routing.md THEN they are WORKED_*
    rows = [
        [
            str(r.priority),
            r.name,
            r.conditions_text(),
            f"{r.api_name}/{r.stage_name}",
            "yes" if r.strip_base_path else "no",
        ]
        for r in WORKED_RULES
    ]
    assert doc_table("worked-rules") == rows
    assert doc_table("worked-mappings") == [
        [m.label, f"{m.api_name}/{m.stage_name}"] for m in WORKED_MAPPINGS
    ]
    # AND the setups' modes label the mappings the way explain() does
    for setup, mode, _, mappings in doc_table("worked-setups"):
        expected = {ONLY: "ignored", THEN: "fallback", MAPPINGS: "used"}[RoutingMode(mode)]
        assert mappings == expected, setup


def test_docs_worked_requests_match_resolve() -> None:
    # GIVEN every request row of the worked table
    tables = worked_setups()
    rows = doc_table("worked-requests")
    assert len(rows) >= 8
    for setup, path, header_text, shown, target, received, _why in rows:
        headers: dict[str, str] = {}
        if header_text != "-":
            for pair in header_text.split(";"):
                name, value = pair.split(":", 1)
                headers[name.strip()] = value.strip()
        # WHEN resolved in its setup
        match = tables[setup].resolve(path, headers)
        # THEN the row says what resolve() says
        if match is None:
            actual = (NO_ROUTE, "-", "-")
        elif match.rule is not None:
            actual = (
                f"rule {match.rule.name} ({match.priority})",
                f"{match.api_name}/{match.stage_name}",
                match.forwarded_path,
            )
        else:
            assert match.mapping is not None
            actual = (
                f"api mapping {match.mapping.label}",
                f"{match.api_name}/{match.stage_name}",
                match.forwarded_path,
            )
        assert (shown, target, received) == actual, (setup, path, header_text)
    # AND the worked table covers every mode, a fallback and a 403
    shown_all = [row[3] for row in rows]
    assert {row[0] for row in rows} == set(tables)
    assert any(s.startswith("api mapping") for s in shown_all) and NO_ROUTE in shown_all


# ---------------------------------------------------------------------- templates and CLI


def worked_template() -> dict[str, Any]:
    """A hand-written template: a REST domain, three APIs, rules in several shapes."""
    invoke = {"ApiId": {"Ref": "V2Api"}, "Stage": {"Ref": "V2Stage"}}
    return {
        "Parameters": {"StageParam": {"Type": "String"}},
        "Resources": {
            "Domain": {
                "Type": "AWS::ApiGateway::DomainName",
                "Properties": {
                    "DomainName": "api.example.com",
                    "RoutingMode": "ROUTING_RULE_THEN_BASE_PATH_MAPPING",
                },
            },
            "V1Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "orders-v1"}},
            "V2Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "orders-v2"}},
            "LegacyApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
            "V2Stage": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {"RestApiId": {"Ref": "V2Api"}, "StageName": "live"},
            },
            "Version2Rule": {
                "Type": "AWS::ApiGatewayV2::RoutingRule",
                "Properties": {
                    "DomainNameArn": {"Fn::GetAtt": ["Domain", "DomainNameArn"]},
                    "Priority": 100,
                    "Conditions": [
                        {"MatchHeaders": {"AnyOf": [{"Header": "x-version", "ValueGlob": "v2"}]}}
                    ],
                    "Actions": [{"InvokeApi": invoke}],
                },
            },
            "ProductsRule": {
                "Type": "AWS::ApiGatewayV2::RoutingRule",
                "Properties": {
                    "DomainNameArn": "Domain.DomainNameArn",
                    "Priority": 200,
                    "Conditions": [
                        {
                            "MatchHeaders": {
                                "AnyOf": [{"Header": "x-user-cohort", "ValueGlob": "beta*"}]
                            }
                        },
                        {"MatchBasePaths": {"AnyOf": ["products"]}},
                    ],
                    "Actions": [{"InvokeApi": {**invoke, "StripBasePath": True}}],
                },
            },
            "PinnedRule": {
                "Type": "AWS::ApiGatewayV2::RoutingRule",
                "Properties": {
                    "DomainNameArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::"
                        "/domainnames/${Domain}"
                    },
                    "Priority": 300,
                    "Conditions": [{"MatchBasePaths": {"AnyOf": ["v1"]}}],
                    "Actions": [
                        {
                            "InvokeApi": {
                                "ApiId": {"Ref": "V1Api"},
                                "Stage": {"Ref": "StageParam"},
                                "StripBasePath": "true",
                            }
                        }
                    ],
                },
            },
            "OtherDomainRule": {
                "Type": "AWS::ApiGatewayV2::RoutingRule",
                "Properties": {
                    "DomainNameArn": {"Fn::ImportValue": "SomeoneElsesDomain"},
                    "Priority": 1,
                    "Actions": [{"InvokeApi": invoke}],
                },
            },
            "RootMapping": {
                "Type": "AWS::ApiGateway::BasePathMapping",
                "Properties": {
                    "DomainName": {"Ref": "Domain"},
                    "RestApiId": {"Ref": "V1Api"},
                    "Stage": "prod",
                },
            },
            "LegacyMapping": {
                "Type": "AWS::ApiGatewayV2::ApiMapping",
                "Properties": {
                    "DomainName": "api.example.com",
                    "ApiId": {"Ref": "LegacyApi"},
                    "Stage": "legacy",
                    "ApiMappingKey": "legacy/v0",
                },
            },
        },
    }


def test_tables_from_template_reads_rules_mappings_and_references() -> None:
    # GIVEN a hand-written template WHEN read
    tables = tables_from_template(worked_template())
    # THEN one table for the one domain, with its mode and name
    assert list(tables) == ["Domain"]
    table = tables["Domain"]
    assert table.mode is THEN and table.domain_name == "api.example.com"
    assert table.problems() == [] and table.notes == []
    # AND the rules of every DomainNameArn shape (the imported domain's rule is skipped)
    by_name = {r.name: r for r in table.rules}
    assert sorted(by_name) == ["PinnedRule", "ProductsRule", "Version2Rule"]
    products = by_name["ProductsRule"]
    assert products.headers == (HeaderMatch("x-user-cohort", "beta*"),)
    assert products.base_path == "products" and products.strip_base_path
    assert by_name["Version2Rule"].api == "V2Api"
    assert by_name["Version2Rule"].api_name == "V2Api (orders-v2)"
    assert by_name["Version2Rule"].stage_name == "live"  # the Stage resource's StageName
    assert by_name["PinnedRule"].stage_name == "<Ref StageParam>"  # a placeholder
    assert by_name["PinnedRule"].strip_base_path
    # AND both mapping types, the multi-level key, the Name-less API
    assert sorted((m.label, m.api_name, m.stage_name) for m in table.mappings) == [
        ("(none)", "V1Api (orders-v1)", "prod"),
        ("legacy/v0", "LegacyApi", "legacy"),
    ]
    # AND resolve() works on it
    assert matched(table, "/products/1", {"x-user-cohort": "beta-1"}) == "rule ProductsRule"
    assert matched(table, "/legacy/v0/x") == "mapping legacy/v0"
    fallback = table.resolve("/x", {})
    assert fallback is not None and fallback.api == "V1Api" and fallback.stage_name == "prod"


def test_tables_from_template_never_raises_and_reports_what_is_wrong() -> None:
    # GIVEN a template with malformed rules, a token mode and an unknown mode
    template: dict[str, Any] = {
        "Resources": {
            "Tokens": {
                "Type": "AWS::ApiGateway::DomainName",
                "Properties": {"RoutingMode": {"Ref": "ModeParam"}},
            },
            "Typo": {
                "Type": "AWS::ApiGatewayV2::DomainName",
                "Properties": {"RoutingMode": "RULES_PLEASE"},
            },
            "TwoValues": {
                "Type": "AWS::ApiGatewayV2::RoutingRule",
                "Properties": {
                    "DomainNameArn": {"Fn::GetAtt": ["Tokens", "DomainNameArn"]},
                    "Priority": "7",
                    "Conditions": [
                        {
                            "MatchHeaders": {
                                "AnyOf": [
                                    {"Header": "a", "ValueGlob": "1"},
                                    {"Header": "b", "ValueGlob": "2"},
                                ]
                            }
                        },
                        {"MatchBasePaths": {"AnyOf": ["x"]}},
                        {"MatchBasePaths": {"AnyOf": ["y"]}},
                        {"Nonsense": True},
                    ],
                },
            },
            "NotAResource": "oops",
            "BadMapping": {
                "Type": "AWS::ApiGateway::BasePathMapping",
                "Properties": {"DomainName": {"Ref": "Typo"}, "RestApiId": None},
            },
        }
    }
    # WHEN read
    tables = tables_from_template(template)
    # THEN a token mode is a note, an unknown one a problem, both evaluated as the default
    assert tables["Tokens"].mode is MAPPINGS
    assert tables["Tokens"].notes == [
        "RoutingMode <Ref ModeParam> is not a literal; evaluated as API_MAPPING_ONLY"
    ]
    assert [p[0] for p in tables["Typo"].problems()] == ["RoutingMode"]
    # AND the malformed rule is read as far as possible, with each defect reported
    (parsed,) = tables["Tokens"].rules
    assert parsed.priority == 7 and parsed.headers == (HeaderMatch("a", "1"),)
    assert parsed.base_path == "x" and parsed.api_name == "?"
    messages = [m for _, m, _ in tables["Tokens"].problems()]
    assert any("MatchHeaders.AnyOf must hold one header" in m for m in messages)
    assert any("may have one MatchBasePaths" in m for m in messages)
    assert any("must be MatchHeaders or MatchBasePaths" in m for m in messages)
    assert any("exactly one InvokeApi" in m for m in messages)
    (bad_mapping,) = tables["Typo"].mappings
    assert bad_mapping.stage_name == "(stage from path)" and bad_mapping.api_name == "?"
    assert tables_from_template({}) == {} and tables_from_template({"Resources": None}) == {}


def write_template(directory: Path, template: dict[str, Any], name: str = "Stack") -> Path:
    path = directory / f"{name}.template.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    return path


def write_assembly(directory: Path, stacks: dict[str, dict[str, Any]]) -> Path:
    """A minimal cloud assembly: manifest.json plus one template per stack."""
    directory.mkdir(parents=True, exist_ok=True)
    artifacts = {}
    for name, template in stacks.items():
        write_template(directory, template, name)
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": f"{name}.template.json"},
            "displayName": name,
        }
    (directory / "manifest.json").write_text(
        json.dumps({"version": "36.0.0", "artifacts": artifacts}), encoding="utf-8"
    )
    return directory


def test_cli_explains_and_resolves_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a template file
    path = write_template(tmp_path, worked_template())
    # WHEN explained with two requests (headers follow their request)
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
            "/b?x=1",
            "--request",
            "/products/7",
            "--header",
            "x-user-cohort:beta-7",
        ]
    )
    out = capsys.readouterr().out
    # THEN exit 0, the domain, and where each request goes
    assert code == 0
    assert out.startswith("== Stack.template.json / Domain (api.example.com)\n")
    assert "  /a [X-Version: v2] -> matched rule Version2Rule (priority 100)" in out
    assert "-> V2Api (orders-v2)/live path /a" in out
    assert "  /b?x=1 [no headers] -> matched api mapping (none) -> V1Api (orders-v1)/prod" in out
    assert "  /products/7 [x-user-cohort: beta-7] -> matched rule ProductsRule" in out
    assert "path /7" in out


def test_cli_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a template WHEN explained as JSON with a header sent twice
    path = write_template(tmp_path, worked_template())
    argv = ["routes", "explain", str(path), "--format", "json", "--request", "/products/1"]
    code = main([*argv, "-H", "x-user-cohort: alpha", "-H", "x-user-cohort: beta-9"])
    data = json.loads(capsys.readouterr().out)
    # THEN the domain, its rules in order and the request's match are there
    assert code == 0
    (domain,) = data["domains"]
    assert domain["domain"] == "Domain" and domain["mode"] == "ROUTING_RULE_THEN_API_MAPPING"
    assert [r["priority"] for r in domain["rules"]] == [100, 200, 300]
    (request,) = domain["requests"]
    assert request["headers"] == {"x-user-cohort": ["alpha", "beta-9"]}
    assert request["match"] == {
        "via": "rule",
        "rule": "ProductsRule",
        "priority": 200,
        "mapping": None,
        "api": "V2Api (orders-v2)",
        "stage": "live",
        "forwardedPath": "/1",
    }
    assert domain["problems"] == [] and domain["warnings"] == []


def test_cli_reads_a_cloud_assembly_and_filters_domains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a cdk.out with two stacks, each with a domain
    other = {"Resources": {"Admin": {"Type": "AWS::ApiGateway::DomainName", "Properties": {}}}}
    cdk_out = write_assembly(tmp_path / "cdk.out", {"Api": worked_template(), "Ops": other})
    # WHEN explained without a filter THEN both domains are printed
    assert main(["routes", "explain", str(cdk_out)]) == 0
    out = capsys.readouterr().out
    assert "== Api / Domain (api.example.com)" in out and "== Ops / Admin" in out
    # WHEN filtered by logical id or by domain name THEN only that domain
    assert main(["routes", "explain", str(cdk_out), "--domain", "Adm"]) == 0
    assert "Domain (api" not in capsys.readouterr().out
    assert main(["routes", "explain", str(cdk_out), "--domain", "example.com"]) == 0
    assert "Admin" not in capsys.readouterr().out


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN no domain, a missing path, a directory that is no assembly, and bad JSON
    empty = write_template(tmp_path, {"Resources": {}}, "Empty")
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{", encoding="utf-8")
    (tmp_path / "plain").mkdir()
    # THEN each is exit 2 with a message
    assert main(["routes", "explain", str(empty)]) == 2
    assert "no custom domain" in capsys.readouterr().err
    assert main(["routes", "explain", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["routes", "explain", str(tmp_path / "plain")]) == 2
    assert "no manifest.json" in capsys.readouterr().err
    assert main(["routes", "explain", str(bad_json)]) == 2
    assert "not JSON" in capsys.readouterr().err
    assert main(["routes", "explain", str(write_template(tmp_path, worked_template()))]) == 0
    assert main(["routes", "explain", str(tmp_path / "Stack.template.json"), "--domain", "zz"]) == 2
    capsys.readouterr()


def test_cli_prints_problems_and_warnings_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a second rule at priority 100 and a third at 101
    template = worked_template()
    resources = template["Resources"]
    resources["Rule2"] = json.loads(json.dumps(resources["Version2Rule"]))
    resources["Rule3"] = json.loads(json.dumps(resources["Version2Rule"]))
    resources["Rule3"]["Properties"]["Priority"] = 101
    # WHEN explained THEN exit 1, the problem, and the packed priorities
    assert main(["routes", "explain", str(write_template(tmp_path, template))]) == 1
    out = capsys.readouterr().out
    assert (
        "problem: priority of rule 'Rule2' must be unique on the domain "
        "(rule 'Version2Rule' has it), got 100"
    ) in out
    assert "warning: priorities 100 and 101 leave no room" in out
    # AND the same problem in JSON
    assert (
        main(["routes", "explain", str(tmp_path / "Stack.template.json"), "--format", "json"]) == 1
    )
    assert len(json.loads(capsys.readouterr().out)["domains"][0]["problems"]) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["-H", "x-version: v2"],  # a header needs a request before it
        ["--request", "/", "-H", "no-colon"],
        ["--request", "/", "-H", ": v2"],
    ],
)
def test_cli_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    # GIVEN a malformed or misplaced --header THEN argparse exits 2 naming the option
    with pytest.raises(SystemExit) as exc:
        main(["routes", "explain", str(tmp_path), *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--header" in err or "-H" in err


# A copy of the routing resources of the VersionedApi sample app's synthesized template.
def versioned_api_template() -> dict[str, Any]:
    domain = {"Fn::GetAtt": ["CheckoutV1DomainABF07146", "DomainNameArn"]}
    v1 = {"ApiId": {"Ref": "CheckoutV1Api62FFA32F"}, "Stage": {"Ref": "V1Stage"}}
    v2 = {"ApiId": {"Ref": "CheckoutV2Api0B298BA9"}, "Stage": {"Ref": "V2Stage"}}

    def rule_resource(priority: int, conditions: list[Any], invoke: dict[str, Any]) -> Any:
        return {
            "Type": "AWS::ApiGatewayV2::RoutingRule",
            "Properties": {
                "DomainNameArn": domain,
                "Priority": priority,
                "Conditions": conditions,
                "Actions": [{"InvokeApi": invoke}],
            },
        }

    def header(name: str, glob: str) -> dict[str, Any]:
        return {"MatchHeaders": {"AnyOf": [{"Header": name, "ValueGlob": glob}]}}

    def stage(api: str) -> dict[str, Any]:
        return {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {"RestApiId": {"Ref": api}, "StageName": "prod"},
        }

    return {
        "Resources": {
            "CheckoutV1Api62FFA32F": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {"Name": "V1"},
            },
            "CheckoutV2Api0B298BA9": {
                "Type": "AWS::ApiGateway::RestApi",
                "Properties": {"Name": "V2"},
            },
            "V1Stage": stage("CheckoutV1Api62FFA32F"),
            "V2Stage": stage("CheckoutV2Api0B298BA9"),
            "CheckoutV1DomainABF07146": {
                "Type": "AWS::ApiGateway::DomainName",
                "Properties": {"DomainName": "api.example.com", "RoutingMode": "ROUTING_RULE_ONLY"},
            },
            "CheckoutRoutingVersion2BA180267": rule_resource(
                100, [header("x-version", "v2")], {**v2, "StripBasePath": False}
            ),
            "CheckoutRoutingBetaCohort46FD36F5": rule_resource(
                200, [header("x-user-cohort", "beta*")], {**v2, "StripBasePath": False}
            ),
            "CheckoutRoutingPinnedV13CC64DD9": rule_resource(
                300, [{"MatchBasePaths": {"AnyOf": ["v1"]}}], {**v1, "StripBasePath": True}
            ),
            "CheckoutRoutingCatchAll58C60488": rule_resource(
                1000, [], {**v1, "StripBasePath": False}
            ),
        }
    }


def test_docs_cli_example_is_the_commands_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the console block of docs/routing.md's CLI example
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- cli-example -->", 1)[1].split("```console\n", 1)[1]
    block = block.split("```", 1)[0]
    command, expected = block.split("\n", 1)
    argv = shlex.split(command.removeprefix("$ "))
    assert argv[:4] == ["paved-road", "routes", "explain", "cdk.out"]
    # WHEN the command runs on a cdk.out holding that stack
    cdk_out = write_assembly(
        tmp_path / "cdk.out", {"PavedRoadVersionedApi": versioned_api_template()}
    )
    code = main(["routes", "explain", str(cdk_out), *argv[4:]])
    # THEN it prints exactly what the docs show
    assert code == 0
    assert capsys.readouterr().out == expected
