"""The MultiTenantApi sample: REST API -> tenant authorizer -> tenant-isolated function."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnOutput, Stack, Validations
from constructs import Construct

from paved_road import Criticality
from paved_road_blueprints import MultiTenantApi


class MultiTenantApiStack(Stack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(
            scope,
            id,
            description="paved-road sample: API Gateway -> authorizer -> Lambda tenant isolation",
        )
        self.service = MultiTenantApi(
            self, "Orders", criticality=Criticality.IMPORTANT, audience="orders-api"
        )
        # A sample has no WAF web ACL to attach; production stacks associate one
        # (wafv2.CfnWebACLAssociation on the stage ARN) instead of acknowledging.
        Validations.of(self.service.api).acknowledge(
            Acknowledgment(
                id="AwsSolutions-APIG3",
                reason="Sample app: no organization WAF web ACL exists here; production "
                "deployments associate theirs with the stage.",
            )
        )
        CfnOutput(self, "ApiUrl", value=self.service.api.url)
        if self.service.tenant_table is not None:
            CfnOutput(self, "TenantTable", value=self.service.tenant_table.table_name)


def build(app: Construct) -> list[Stack]:
    return [MultiTenantApiStack(app, "PavedRoadMultiTenantApi")]
