"""The VersionedApi sample: v1 and v2 behind one custom domain, chosen by routing rules
(``x-version: v2``, an A/B cohort header, a ``v1`` base path, a catch-all)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnOutput, CfnParameter, Stack, Validations
from constructs import Construct

from paved_road_blueprints import VersionedApi

NO_WAF_REASON = (
    "Sample app: no organization WAF web ACL exists here; production deployments pass "
    "web_acl_arn= to GovernedRestApi."
)


class VersionedApiStack(Stack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(
            scope,
            id,
            description="paved-road sample: API versions behind one domain with routing rules",
        )
        certificate = CfnParameter(
            self,
            "CertificateArn",
            type="String",
            description="ACM certificate ARN of the custom domain (same region as the stack)",
        )
        domain_name = str(
            self.node.try_get_context("paved-road:versioned-domain") or "api.example.com"
        )
        self.service = VersionedApi(
            self,
            "Checkout",
            domain_name=domain_name,
            certificate_arn=certificate.value_as_string,
            production=True,
        )
        for api in (self.service.v1, self.service.v2):
            Validations.of(api.api).acknowledge(
                Acknowledgment(id="AwsSolutions-APIG3", reason=NO_WAF_REASON)
            )
        CfnOutput(self, "DomainTarget", value=self.service.domain.target_domain_name)
        CfnOutput(self, "DomainHostedZoneId", value=self.service.domain.target_hosted_zone_id)


def build(app: Construct) -> list[Stack]:
    return [VersionedApiStack(app, "PavedRoadVersionedApi")]
