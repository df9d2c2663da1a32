"""VersionedApi: two versions of an API behind one custom domain, routed by routing rules.

* ``x-version: v2`` goes to v2 (priority 100);
* the A/B cohort header (``x-user-cohort: beta*`` by default) goes to v2 (priority 200);
* base path ``v1`` goes to v1 with the base path stripped (priority 300), for clients
  that pin the old version in the URL;
* everything else goes to v1: a catch-all rule (priority 1000) in ``ROUTING_RULE_ONLY``
  mode, or the domain's root API mapping in ``ROUTING_RULE_THEN_API_MAPPING`` mode (the
  migration step: rules first, the existing mapping as fallback).

Both APIs are GovernedRestApis with the domain's security policy and access mode (STRICT
when ``production``). docs/routing.md describes the gradual migration (API mappings ->
routing rules, BASIC -> STRICT).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from constructs import Construct

from paved_road import Criticality, DeliveryProps, GovernedFunction, Invocation
from paved_road._boundary import checked_props
from paved_road.errors import Problems
from paved_road.rest_api import CustomDomain, GovernedRestApi
from paved_road.routing import RoutingMode, RoutingRules
from paved_road_blueprints._assets import handler_code
from paved_road_blueprints._problems import renaming, reported_as

HANDLER_DIR = Path(__file__).resolve().parent / "handlers" / "api_version"
"""The backend of both versions (answers with its version, path and stage)."""


VERSION_HEADER = "x-version"
COHORT_HEADER = "x-user-cohort"


class VersionedApi(Construct):
    """Two GovernedRestApis (v1, v2) behind one domain with RoutingRules.

    :param domain_name: the custom domain, e.g. ``api.example.com``. Required.
    :param certificate_arn: its ACM certificate (no lookups). Required.
    :param mode: ``ROUTING_RULE_ONLY`` (default: a catch-all rule sends the rest to v1)
        or ``ROUTING_RULE_THEN_API_MAPPING`` (a root API mapping to v1 is the fallback).
    :param production: STRICT endpoint access mode on both APIs and the domain; default
        False (BASIC, the migration step).
    :param endpoint_access_mode: override the mode (``"BASIC"``/``"STRICT"``), e.g. BASIC
        while validating clients of a production domain; default from ``production``.
    :param v2_header_value: value glob of ``x-version`` that selects v2; default ``v2``.
    :param cohort_glob: value glob of ``x-user-cohort`` that selects v2 (A/B); default
        ``beta*``; None disables the cohort rule.
    :param v1_base_path: base path pinned to v1 (stripped); default ``v1``; None disables
        the rule.
    :param criticality: of both backends; default IMPORTANT.
    :param delivery: both backends' runtime-governance and delivery props
        (``paved_road.DeliveryProps``); default: the criticality's tier.

    Attributes: ``v1``, ``v2`` (GovernedRestApi), ``v1_function``, ``v2_function``,
    ``routing`` (RoutingRules), ``domain`` (GovernedDomainName).
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        domain_name: str,
        certificate_arn: str,
        mode: RoutingMode = RoutingMode.ROUTING_RULE_ONLY,
        production: bool = False,
        endpoint_access_mode: str | None = None,
        v2_header_value: str = "v2",
        cohort_glob: str | None = "beta*",
        v1_base_path: str | None = "v1",
        criticality: Criticality = Criticality.IMPORTANT,
        delivery: DeliveryProps | None = None,
    ) -> None:
        super().__init__(scope, id)
        problems = Problems("VersionedApi", self.node.path)
        if mode == RoutingMode.API_MAPPING_ONLY:
            problems.add(
                "mode",
                "must be ROUTING_RULE_ONLY or ROUTING_RULE_THEN_API_MAPPING (the versions are "
                "chosen by routing rules)",
                mode,
            )
        problems.raise_if_any()

        fallback_mapping = mode == RoutingMode.ROUTING_RULE_THEN_API_MAPPING
        self.v1 = GovernedRestApi(
            self,
            "V1",
            production=production,
            endpoint_access_mode=endpoint_access_mode,
            domain=CustomDomain(
                domain_name, certificate_arn, base_path="" if fallback_mapping else None
            ),
            description=f"paved-road VersionedApi {self.node.path} v1",
        )
        self.v2 = GovernedRestApi(
            self,
            "V2",
            production=production,
            endpoint_access_mode=endpoint_access_mode,
            cloud_watch_role=False,  # one account-level role per stack is enough (V1's)
            description=f"paved-road VersionedApi {self.node.path} v2",
        )
        self.v1_function = self._backend("V1Function", "v1", criticality, delivery)
        self.v2_function = self._backend("V2Function", "v2", criticality, delivery)
        for api, function in ((self.v1, self.v1_function), (self.v2, self.v2_function)):
            for path in ("/", "/{proxy+}"):
                api.add_route(path, "ANY", function, iam_authorization=True)
        assert self.v1.domain is not None
        self.domain = self.v1.domain

        self.routing = RoutingRules(self, "Routing", domain=self.domain, mode=mode)
        # the rules' problems, said with this construct's props (cohort_glob, not headers)
        with self._reported_as({"Version2": ("headers", VERSION_HEADER, "v2_header_value")}):
            self.routing.add_rule(
                "Version2", priority=100, target=self.v2, headers={VERSION_HEADER: v2_header_value}
            )
        if cohort_glob is not None:
            with self._reported_as({"BetaCohort": ("headers", COHORT_HEADER, "cohort_glob")}):
                self.routing.add_rule(
                    "BetaCohort",
                    priority=200,
                    target=self.v2,
                    headers={COHORT_HEADER: cohort_glob},
                )
        if v1_base_path is not None:
            with self._reported_as({"PinnedV1": ("base_path", None, "v1_base_path")}):
                self.routing.add_rule(
                    "PinnedV1",
                    priority=300,
                    target=self.v1,
                    base_path=v1_base_path,
                    strip_base_path=True,
                )
        if not fallback_mapping:
            self.routing.add_rule("CatchAll", priority=1000, target=self.v1)

    def _reported_as(
        self, rules: dict[str, tuple[str, str | None, str]]
    ) -> contextlib.AbstractContextManager[None]:
        """Re-raise a rule's problems as this construct's: ``rules`` maps a rule name to
        (the rule's prop, the header whose value glob it is, this construct's prop)."""
        prefixes = {}
        for rule, (prop, header, ours) in rules.items():
            of = f"{prop} of rule {rule!r}"
            if header is not None:
                of += f": the value glob of header {header!r}"
            prefixes[of] = ours
        routing = f"RoutingRules '{self.node.path}/Routing'"
        return reported_as("VersionedApi", self.node.path, routing, renaming(prefixes))

    def _backend(
        self, id: str, version: str, criticality: Criticality, delivery: DeliveryProps | None
    ) -> GovernedFunction:
        return GovernedFunction(
            self,
            id,
            code=handler_code(HANDLER_DIR),
            handler="index.handler",
            criticality=criticality,
            service_name=f"{self.node.id}-{version}",
            environment={"API_VERSION": version},
            invocation=Invocation.SYNCHRONOUS,
            **(delivery or {}),
        )
