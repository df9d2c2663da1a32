"""RoutingRules: API Gateway routing rules on a GovernedRestApi custom domain, validated
at construct time, with the offline evaluator users unit-test their routing tables with.

A routing rule (``AWS::ApiGatewayV2::RoutingRule``) belongs to one custom domain: up to two
header conditions and one base-path condition, all of which must match (a rule without
conditions is a catch-all), a priority 1-1,000,000 unique on the domain (lowest number
evaluated first), and one action: invoke a stage of a REST API, optionally stripping the
matched base path. The domain's routing mode decides whether rules, API mappings or both
route (docs/routing.md).

:meth:`RoutingRules.resolve` answers "where does this request go?" with the same semantics
(:mod:`paved_road.routing_table`), before anything is deployed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from aws_cdk import Annotations
from aws_cdk import aws_apigatewayv2 as apigwv2
from constructs import Construct

from paved_road._boundary import checked_props
from paved_road.errors import Problems
from paved_road.rest_api import ROUTING_ACCESS_LOG_FIELDS, GovernedDomainName, GovernedRestApi
from paved_road.routing_table import (
    HeaderMatch,
    MappingSpec,
    RouteMatch,
    RoutingMode,
    RoutingTable,
    RuleSpec,
)

__all__ = ["RouteMatch", "RoutingMode", "RoutingRules"]

_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")


class RoutingRules(Construct):
    """The routing rules and routing mode of one :class:`GovernedDomainName`.

    Attributes: ``domain``, ``mode``, ``rules`` (``RuleSpec`` per rule, in the order
    added), ``resources`` (rule name -> ``apigatewayv2.CfnRoutingRule``).
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        domain: GovernedDomainName | GovernedRestApi,
        mode: RoutingMode = RoutingMode.ROUTING_RULE_THEN_API_MAPPING,
    ) -> None:
        """
        :param domain: the custom domain (or the GovernedRestApi that owns it).
        :param mode: the domain's routing mode; default ``ROUTING_RULE_THEN_API_MAPPING``
            (rules first, the domain's API mappings as fallback: the safe step when
            adopting rules on a domain that has mappings). ``ROUTING_RULE_ONLY`` is what
            AWS recommends once every route is a rule; ``API_MAPPING_ONLY`` keeps rules
            defined but not evaluated.
        """
        super().__init__(scope, id)
        problems = Problems("RoutingRules", self.node.path)
        resolved = domain.domain if isinstance(domain, GovernedRestApi) else domain
        if not isinstance(resolved, GovernedDomainName):
            given = domain if resolved is None else resolved
            problems.add(
                "domain",
                "must be a GovernedDomainName or a GovernedRestApi created with domain=",
                given.node.path if isinstance(given, Construct) else given,
            )
        elif resolved.routing_rules is not None:
            problems.add(
                "domain",
                "already has RoutingRules: only one set of rules per domain is allowed",
                resolved.routing_rules.node.path,
            )
        if not isinstance(mode, RoutingMode):
            problems.add("mode", f"must be one of {', '.join(m.value for m in RoutingMode)}", mode)
        problems.raise_if_any()
        assert isinstance(resolved, GovernedDomainName)
        self.domain = resolved
        self.mode = mode
        resolved.routing_rules = self
        resolved.resource.routing_mode = mode.rest_domain_value
        self.rules: list[RuleSpec] = []
        self.resources: dict[str, apigwv2.CfnRoutingRule] = {}
        if mode == RoutingMode.API_MAPPING_ONLY:
            Annotations.of(self).add_warning_v2(
                "paved-road:routing-rules-not-evaluated",
                "Routing mode API_MAPPING_ONLY: the rules are created but API Gateway does not "
                "evaluate them until the mode is ROUTING_RULE_THEN_API_MAPPING or "
                "ROUTING_RULE_ONLY.",
            )

    def add_rule(
        self,
        name: str,
        *,
        priority: int,
        target: GovernedRestApi,
        stage_name: str | None = None,
        headers: Mapping[str, str] | None = None,
        base_path: str | None = None,
        strip_base_path: bool = False,
    ) -> apigwv2.CfnRoutingRule:
        """Add a rule: requests whose headers match every ``headers`` glob (header name ->
        value glob: exact, ``*suffix``, ``prefix*`` or ``*infix*``; at most two) and whose
        path starts with ``base_path`` go to ``target``'s stage.

        :param name: construct id of the rule, ``[A-Za-z][A-Za-z0-9]*`` (shown by
            :meth:`explain`).
        :param priority: 1-1,000,000, unique on the domain; leave gaps (100, 200, 300).
        :param target: the GovernedRestApi to invoke; it must carry the domain's security
            policy and endpoint access mode.
        :param stage_name: default: the target's deployment stage.
        :param headers: header conditions; default none.
        :param base_path: base-path condition (case-sensitive, no leading ``/``); default
            none.
        :param strip_base_path: forward the path without the matched base path; default
            False.
        :returns: the ``AWS::ApiGatewayV2::RoutingRule`` L1.
        """
        problems = Problems("RoutingRules", self.node.path)
        if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
            problems.add("name", "must be 1-64 letters/digits starting with a letter", name)
        elif name in self.resources:
            problems.add("name", "is already a rule of this domain", name)
        if not isinstance(target, GovernedRestApi):
            problems.add("target", "must be a GovernedRestApi", target)
        else:
            if target.security_policy != self.domain.security_policy:
                problems.add(
                    "target",
                    f"must use the domain's security policy {self.domain.security_policy} "
                    "(TLS is negotiated for the domain; the API's own endpoint would differ)",
                    target.security_policy,
                )
            if target.endpoint_access_mode != self.domain.endpoint_access_mode:
                problems.add(
                    "target",
                    f"must use the domain's endpoint access mode "
                    f"{self.domain.endpoint_access_mode}",
                    target.endpoint_access_mode,
                )
        if headers is not None and not isinstance(headers, Mapping):
            problems.add("headers", "must be a mapping of header name -> value glob", headers)
            headers = None
        if not isinstance(strip_base_path, bool):
            problems.add("strip_base_path", "must be True or False", strip_base_path)
        if strip_base_path and base_path is None:
            problems.add("strip_base_path", "needs a base_path to strip", True)
        stage = stage_name if stage_name is not None else getattr(target, "stage_name", "")
        spec = RuleSpec(
            name=str(name),
            priority=priority,
            api=target,
            api_name=target.node.path if isinstance(target, GovernedRestApi) else repr(target),
            stage_name=stage,
            headers=tuple(HeaderMatch(str(k), str(v)) for k, v in (headers or {}).items()),
            base_path=base_path,
            strip_base_path=bool(strip_base_path),
        )
        for prop, message, received in RoutingTable(self.mode, [spec], []).problems():
            problems.add(prop, message, received)
        clash = next((r for r in self.rules if r.priority == priority), None)
        if clash is not None:
            problems.add(
                "priority", f"must be unique on the domain (rule {clash.name!r} has it)", priority
            )
        problems.raise_if_any()
        assert isinstance(target, GovernedRestApi)

        conditions: list[apigwv2.CfnRoutingRule.ConditionProperty] = [
            apigwv2.CfnRoutingRule.ConditionProperty(
                match_headers=apigwv2.CfnRoutingRule.MatchHeadersProperty(
                    any_of=[
                        apigwv2.CfnRoutingRule.MatchHeaderValueProperty(
                            header=h.header, value_glob=h.value_glob
                        )
                    ]
                )
            )
            for h in spec.headers
        ]
        if base_path is not None:
            conditions.append(
                apigwv2.CfnRoutingRule.ConditionProperty(
                    match_base_paths=apigwv2.CfnRoutingRule.MatchBasePathsProperty(
                        any_of=[base_path]
                    )
                )
            )
        resource = apigwv2.CfnRoutingRule(
            self,
            name,
            domain_name_arn=self.domain.domain_name_arn,
            priority=priority,
            conditions=conditions,
            actions=[
                apigwv2.CfnRoutingRule.ActionProperty(
                    invoke_api=apigwv2.CfnRoutingRule.ActionInvokeApiProperty(
                        api_id=target.api.rest_api_id,
                        stage=stage_name if stage_name is not None else target.stage.stage_name,
                        strip_base_path=strip_base_path,
                    )
                )
            ],
        )
        if stage_name is None:
            resource.node.add_dependency(target.stage)
        target.access_log_fields.update(ROUTING_ACCESS_LOG_FIELDS)  # log which rule matched
        self.rules.append(spec)
        self.resources[spec.name] = resource
        packed = [pair for pair in self.table.packed_priorities() if priority in pair]
        if packed:
            Annotations.of(resource).add_warning_v2(
                "paved-road:routing-priorities-packed",
                f"Rule {name!r} (priority {priority}) has no room next to priorities "
                f"{sorted({p for pair in packed for p in pair} - {priority})}: leave gaps "
                "(100, 200, 300) so rules can be inserted without renumbering.",
            )
        return resource

    @property
    def table(self) -> RoutingTable:
        """The routing table: this mode, these rules and the domain's API mappings."""
        return RoutingTable(
            self.mode,
            list(self.rules),
            [
                MappingSpec(
                    base_path=m.base_path,
                    api=m.api,
                    api_name=m.api.node.path,
                    stage_name=m.stage_name,
                )
                for m in self.domain.mappings
            ],
        )

    def resolve(self, path: str, headers: Mapping[str, str]) -> RouteMatch | None:
        """Where API Gateway would send a request for ``path`` with ``headers`` on this
        domain: the lowest-priority matching rule, else (ROUTING_RULE_THEN_API_MAPPING
        only) the API mapping with the longest matching base path; None means no route
        (API Gateway answers 403 Forbidden)."""
        return self.table.resolve(path, headers)

    def explain(self, requests: Sequence[tuple[str, Mapping[str, str]]] = ()) -> str:
        """The routing table as text, with where each of ``requests`` goes."""
        return self.table.explain(requests)
