"""The StreamingApi sample: a token stream (Node.js native streaming and, in a second API,
FastAPI behind the Lambda Web Adapter) plus a buffered route, IAM-authorized."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnOutput, Stack, Validations
from constructs import Construct

from paved_road import StreamingLanguage
from paved_road_blueprints import StreamingApi

NO_WAF_REASON = (
    "Sample app: no organization WAF web ACL exists here; production deployments pass "
    "web_acl_arn= to GovernedRestApi."
)


class StreamingApiStack(Stack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(
            scope,
            id,
            description="paved-road sample: API Gateway response streaming (Node.js and "
            "Python/Lambda Web Adapter) and a buffered route",
        )
        self.node_api = StreamingApi(self, "Chat")
        self.python_api = StreamingApi(
            self, "ChatPython", language=StreamingLanguage.PYTHON_WEB_ADAPTER
        )
        for service in (self.node_api, self.python_api):
            Validations.of(service.api.api).acknowledge(
                Acknowledgment(id="AwsSolutions-APIG3", reason=NO_WAF_REASON)
            )
            CfnOutput(self, f"{service.node.id}Url", value=service.api.api.url)


def build(app: Construct) -> list[Stack]:
    return [StreamingApiStack(app, "PavedRoadStreamingApi")]
