"""StreamingApi: a GovernedRestApi with a streaming route and a buffered route.

``POST /chat/stream`` (and ``GET`` with ``?prompt=``) streams an LLM-style answer token
by token as Server-Sent Events from a :class:`paved_road.streaming.StreamingFunction`
(Node.js native streaming by default, or FastAPI behind the Lambda Web Adapter). No model
is called. ``GET /chat`` (and ``POST``) returns the whole answer as one JSON document from a
Python function: what clients that cannot read a stream use.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from paved_road import Criticality, DeliveryProps, GovernedFunction, Invocation
from paved_road._boundary import checked_props
from paved_road._validate import check_range, seconds
from paved_road.errors import Problems
from paved_road.rest_api import CustomDomain, GovernedRestApi
from paved_road.streaming import (
    DEFAULT_TIMEOUT,
    DEFAULT_TOKEN_DELAY,
    StreamingFunction,
    StreamingLanguage,
)
from paved_road_blueprints._assets import handler_code

HANDLER_DIR = Path(__file__).resolve().parent / "handlers" / "buffered_answer"
"""The buffered route's handler (Powertools REST resolver)."""


class StreamingApi(Construct):
    """GovernedRestApi + a streaming route + a buffered route.

    :param language: of the streaming function; default ``StreamingLanguage.NODEJS``.
    :param production: passed to the GovernedRestApi (STRICT access mode); default False.
    :param domain: optional custom domain; default none.
    :param authorizer: authorizes both routes; default none, which means IAM (SigV4)
        authorization unless ``public_reason`` is given.
    :param public_reason: make both routes public, with this reason; default none.
    :param stream_timeout: the streaming integration timeout, 1 s to 15 minutes; default
        5 minutes. The streaming function's timeout matches it.
    :param token_delay: pause between streamed tokens; default 50 ms.
    :param dependencies_layer: Python streaming only: the FastAPI/uvicorn layer; default
        the one ``scripts/build_streaming_deps.sh`` builds.
    :param criticality: of both functions; default STANDARD.
    :param streaming_delivery: / :param buffered_delivery: each function's
        runtime-governance and delivery props (``paved_road.DeliveryProps``); default: the
        criticality's tier. Separate, because a CRITICAL function pins a runtime version
        ARN of its own runtime (Node.js for streaming, Python for buffered).

    Attributes: ``api`` (GovernedRestApi), ``streaming_function`` (StreamingFunction),
    ``buffered_function`` (GovernedFunction), ``stream_methods``, ``buffered_methods``.
    """

    STREAM_PATH = "/chat/stream"
    BUFFERED_PATH = "/chat"

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        language: StreamingLanguage = StreamingLanguage.NODEJS,
        production: bool = False,
        domain: CustomDomain | None = None,
        authorizer: apigw.IAuthorizer | None = None,
        public_reason: str | None = None,
        stream_timeout: Duration = DEFAULT_TIMEOUT,
        token_delay: Duration = DEFAULT_TOKEN_DELAY,
        dependencies_layer: lambda_.ILayerVersion | None = None,
        criticality: Criticality = Criticality.STANDARD,
        streaming_delivery: DeliveryProps | None = None,
        buffered_delivery: DeliveryProps | None = None,
    ) -> None:
        super().__init__(scope, id)
        problems = Problems("StreamingApi", self.node.path)
        if authorizer is not None and public_reason is not None:
            problems.add(
                "authorizer/public_reason", "are mutually exclusive: give at most one", "both"
            )
        if public_reason is not None and not public_reason.strip():
            problems.add(
                "public_reason",
                "must say why both routes are public (or None: IAM or the authorizer)",
                public_reason,
            )
        # the streaming function's timeout and the streaming route's integration timeout
        check_range(problems, "stream_timeout", seconds(stream_timeout), 1, 900, "seconds")
        problems.raise_if_any()

        self.api = GovernedRestApi(
            self,
            "Api",
            production=production,
            domain=domain,
            default_authorizer=authorizer,
            description=f"paved-road StreamingApi {self.node.path}",
        )
        self.streaming_function = StreamingFunction(
            self,
            "Stream",
            language=language,
            timeout=stream_timeout,
            token_delay=token_delay,
            dependencies_layer=dependencies_layer,
            criticality=criticality,
            delivery=streaming_delivery,
            service_name=f"{id}-stream",
        )
        self.buffered_function = GovernedFunction(
            self,
            "Buffered",
            code=handler_code(HANDLER_DIR),
            handler="index.handler",
            criticality=criticality,
            **(buffered_delivery or {}),
            service_name=f"{id}-buffered",
            invocation=Invocation.SYNCHRONOUS,
        )
        iam = authorizer is None and public_reason is None
        self.stream_methods = [
            self.api.add_streaming_route(
                self.STREAM_PATH,
                verb,
                self.streaming_function,
                timeout=stream_timeout,
                iam_authorization=iam,
                public_reason=public_reason,
            )
            for verb in ("GET", "POST")
        ]
        self.buffered_methods = [
            self.api.add_route(
                self.BUFFERED_PATH,
                verb,
                self.buffered_function,
                iam_authorization=iam,
                public_reason=public_reason,
            )
            for verb in ("GET", "POST")
        ]
