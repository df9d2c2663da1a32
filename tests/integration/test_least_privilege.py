"""Zero findings, least privilege: every sample template (the CLI synth of cdk.json's app)
grants no wildcard beyond what AWS requires, gives untrusted tenant code nothing, encrypts
queues, topics, buckets and logs at rest, refuses non-TLS access to queues and buckets, and
every acknowledged finding has a specific reason."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import pytest

from paved_road.assembly import Acknowledged, acknowledgments, stack_artifacts
from tests.counts import count
from tests.integration.conftest import SampleAssembly
from tests.template_checks import (
    ENCRYPTED_TYPES,
    TLS_POLICY_TYPES,
    WILDCARD_RULES,
    Template,
    acknowledgment_problems,
    encryption_problems,
    iam_statements,
    resources,
    star_resource_statements,
    tls_problems,
    untrusted_role_problems,
    untrusted_roles,
    wildcard_names,
    wildcard_problems,
)

pytestmark = pytest.mark.integration

Stacks = list[tuple[str, Template]]
"""(stack display path, e.g. ``PavedRoadTenantFleet/Shard001``; its template)."""


@pytest.fixture(scope="module")
def sample_stacks(sample_assembly: SampleAssembly) -> Stacks:
    out, result = sample_assembly
    assert result.returncode == 0, result.stderr[-4000:]
    stacks = [
        (
            str(artifact.get("displayName") or artifact_id),
            json.loads((directory / artifact["properties"]["templateFile"]).read_text()),
        )
        for directory, artifact_id, artifact in stack_artifacts(out)
    ]
    assert len(stacks) >= 14, [name for name, _ in stacks]
    return stacks


def _problems(stacks: Stacks, check: Callable[[Template], list[str]]) -> list[str]:
    return [f"{name}: {problem}" for name, template in stacks for problem in check(template)]


def test_sample_templates_allow_no_wildcard_beyond_star_resource_actions(
    sample_stacks: Stacks,
) -> None:
    # GIVEN every policy statement of every sample template
    statements = sum(len(list(iam_statements(t))) for _, t in sample_stacks)
    star = sum(len(star_resource_statements(t)) for _, t in sample_stacks)
    count("least privilege: IAM statements checked in sample templates", statements)
    count("least privilege: Resource '*' statements allowed by STAR_RESOURCE_ACTIONS", star)
    # WHEN they are checked for wildcards THEN no Allow has an action pattern, NotAction,
    # NotResource, an unconditioned Principal '*', or Resource '*' beyond the allowlist
    assert _problems(sample_stacks, wildcard_problems) == []
    assert statements > 0 and star > 0  # the samples do exercise the check and the allowlist


def test_sample_untrusted_tenant_roles_allow_nothing(sample_stacks: Stacks) -> None:
    # GIVEN the roles of untrusted tenant code (tagged tenant-trust: untrusted)
    roles = sum(len(untrusted_roles(t)) for _, t in sample_stacks)
    count("least privilege: untrusted tenant roles checked (allow nothing)", roles)
    # THEN each has AWSDenyAll only: no Allow statement, no other policy attached
    assert _problems(sample_stacks, untrusted_role_problems) == []
    assert roles > 0  # the tenant fleet and tenant code samples have untrusted tenants


def test_sample_queues_topics_buckets_and_logs_are_encrypted_at_rest(
    sample_stacks: Stacks,
) -> None:
    # GIVEN every queue, topic, bucket and log group of the sample templates
    checked = sum(
        1 for _, t in sample_stacks for _, kind, _ in resources(t) if kind in ENCRYPTED_TYPES
    )
    count("encryption: queues/topics/buckets/log groups checked", checked)
    # THEN each is encrypted at rest, and every function logs to a log group of its template
    assert _problems(sample_stacks, encryption_problems) == []
    assert checked > 0


def test_sample_queues_and_buckets_deny_non_tls_requests(sample_stacks: Stacks) -> None:
    # GIVEN every queue and bucket policy of the sample templates
    policies = sum(
        1 for _, t in sample_stacks for _, kind, _ in resources(t) if kind in TLS_POLICY_TYPES
    )
    count("TLS: queue and bucket policies denying non-TLS checked", policies)
    # THEN each denies aws:SecureTransport=false and every queue and bucket is covered
    assert _problems(sample_stacks, tls_problems) == []
    assert policies > 0


def _stack_of(ack: Acknowledged, stacks: Stacks) -> tuple[str, Template]:
    """The stack an acknowledged construct is in (the longest stack path above it)."""
    above = [
        (name, template)
        for name, template in stacks
        if ack.construct_path == f"/{name}" or ack.construct_path.startswith(f"/{name}/")
    ]
    assert above, ack.construct_path
    return max(above, key=lambda stack: len(stack[0]))


def test_every_sample_acknowledgment_has_a_specific_reason(
    sample_assembly: SampleAssembly, sample_stacks: Stacks
) -> None:
    # GIVEN every acknowledgment recorded in the sample assembly
    acks = acknowledgments(sample_assembly.out)
    count("zero findings: acknowledgments checked for a specific reason", len(acks))
    assert acks
    groups = Counter((ack.rule_id, ack.reason) for ack in acks)
    print(f"\n{len(acks)} acknowledgments, {len(groups)} distinct (rule id, reason):")
    for (rule_id, reason), n in sorted(groups.items()):
        print(f"{n:4d}  {rule_id}\n      {reason}")
    # WHEN each reason is checked against its stack's template
    offending: list[str] = []
    stale: list[str] = []
    for ack in acks:
        stack, template = _stack_of(ack, sample_stacks)
        offending.extend(
            f"{ack.construct_path} {ack.rule_id}: {problem} -- {ack.reason!r}"
            for problem in acknowledgment_problems(ack.rule_id, ack.reason, template)
        )
        if ack.rule_id.startswith(WILDCARD_RULES) and wildcard_names(ack.rule_id, template)[1]:
            stale.append(f"{ack.construct_path} {ack.rule_id} (no such statement in {stack})")
    if stale:  # informational: an acknowledgment of a wildcard the stack does not grant
        print("\nwildcard acknowledgments with no matching statement:\n" + "\n".join(stale))
    # THEN every reason is specific: long enough, not generic, and naming the wildcard
    assert offending == [], "\n".join(offending)
