"""KafkaConsumer: an Amazon MSK or self-managed Kafka topic consumed by a Lambda function
through an event source mapping (ESM), governed.

The ESM works in four stages, each with props here: **poll** (on-demand or provisioned
pollers), **filter** (``filters``), **batch** (``batch_size``, ``max_batching_window``) and
**invoke** (the function; its failures go to ``failure_destination``). See docs/kafka.md
for "which prop to change when".

Service rules validated at construct time (AWS Lambda developer guide: "Amazon MSK and
self-managed Apache Kafka event source mappings", "Provisioned mode", "Batching behavior",
"Configuring error handling controls for Kafka event sources", "Capturing discarded
batches"; CloudFormation ``AWS::Lambda::EventSourceMapping``):

* batch size 1-10,000; batching window 0-300 seconds;
* provisioned mode: ``MinimumPollers`` 1-200, ``MaximumPollers`` 1-2,000, min <= max; a
  poller group holds up to 100 mappings; one provisioned poller handles up to 5 MB/s, and
  Lambda never runs more pollers than the topic has partitions (ordering is per partition);
* retry attempts (-1 = infinite, or 0-10,000), maximum record age (60 s - 7 days), split
  batch on error and partial batch responses are available in provisioned mode only, and
  so are the ESM's metrics and system logs (``MetricsConfig``, ``LoggingConfig``);
* on-failure destinations: an SQS queue, SNS topic or S3 bucket (the execution role needs
  ``sqs:SendMessage``, ``sns:Publish`` or ``s3:PutObject`` + ``s3:ListBucket``); the
  cluster's VPC needs an endpoint for that service;
* consumer group id 1-200 characters of ``[a-zA-Z0-9-/*:_+=.@]``; Kafka topic names 2-249
  characters of ``[a-zA-Z0-9._-]``, not starting with ``.`` (Lambda's ``Topics`` pattern);
  self-managed brokers: 1-10 distinct ``host:port`` (DNS labels, port 1-65535); a provisioned
  poller group name of ``[a-zA-Z0-9-_]``;
* a batch is delivered when the window elapses, the batch size is reached, or the payload
  approaches Lambda's 6 MB synchronous invocation limit.
"""

from __future__ import annotations

import datetime
import enum
import math
import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Annotations, Duration, Fn, Names, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from paved_road._alarms import threshold_alarm
from paved_road._boundary import checked_props
from paved_road._filters import check_filters
from paved_road._markers import RECORD_PROCESSING_METADATA
from paved_road._queues import dead_letter_queue, messages_visible_alarm
from paved_road._validate import check_range, is_token, seconds
from paved_road.errors import Problems
from paved_road.function import GovernedFunction, GovernedFunctionProps, mapping_consumer_function

MB_PER_S_PER_POLLER = 5.0
"""Published throughput of one provisioned poller (AWS Lambda, "Provisioned mode")."""
MIN_POLLERS_MAX = 200
MAX_POLLERS_MAX = 2000
DEFAULT_MAXIMUM_POLLERS = 200
SMALL_TOPIC_PARTITIONS = 10
"""AWS: for topics with fewer partitions, start provisioned mode with one poller."""
MAX_INVOKE_PAYLOAD_KB = 6 * 1024
MAX_BATCH_SIZE = 10_000
MAX_BATCHING_WINDOW_S = 300
MAX_RECORD_AGE_S = 7 * 86400
DEFAULT_BATCH_SIZE = 100
DEFAULT_BATCHING_WINDOW = Duration.seconds(1)
DEFAULT_RETRY_ATTEMPTS = 3
DEFAULT_RECORD_PROCESSING_TIME = Duration.millis(10)
FAILURE_RETENTION = Duration.days(14)

KAFKA_RECORD_FIELDS = (
    "topic",
    "partition",
    "offset",
    "timestamp",
    "timestampType",
    "key",
    "value",
    "headers",
)
"""The record fields a Kafka filter pattern may match (Lambda event filtering)."""

_CONSUMER_GROUP = re.compile(r"[a-zA-Z0-9\-/*:_+=.@]{1,200}")
_TOPIC = re.compile(r"[a-zA-Z0-9._\-]{1,249}")
_CLUSTER_ARN = re.compile(r"arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster/[^/]+/[^/]+")
_LABEL = r"([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9])"
_BOOTSTRAP_SERVER = re.compile(rf"(?=.{{1,300}}$)({_LABEL}\.)*{_LABEL}:(?P<port>\d{{1,5}})")
"""``KafkaBootstrapServers`` items (CloudFormation): DNS labels, ``:port``, at most 300
characters."""
MAX_BOOTSTRAP_SERVERS = 10
_POLLER_GROUP = re.compile(r"[a-zA-Z0-9_\-]*")
"""``ProvisionedPollerConfig.PollerGroupName`` (CloudFormation): ``^[a-zA-Z0-9-_]*$``."""

EC2_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
)
"""What Lambda needs (as the execution role) to reach brokers inside a VPC."""


class KafkaAuth(enum.Enum):
    """How the event source mapping authenticates to the brokers."""

    IAM = "IAM"
    """MSK IAM access control (the default for MSK; no secret)."""
    SASL_SCRAM_512 = "SASL_SCRAM_512_AUTH"
    SASL_SCRAM_256 = "SASL_SCRAM_256_AUTH"
    """Self-managed Kafka only."""
    BASIC = "BASIC_AUTH"
    """SASL/PLAIN, self-managed Kafka only."""
    CLIENT_CERTIFICATE_TLS = "CLIENT_CERTIFICATE_TLS_AUTH"
    """Mutual TLS: the secret holds the client certificate and key."""
    NONE = "NONE"
    """No authentication: self-managed Kafka reached inside a VPC only."""


_SECRET_AUTHS = (
    KafkaAuth.SASL_SCRAM_512,
    KafkaAuth.SASL_SCRAM_256,
    KafkaAuth.BASIC,
    KafkaAuth.CLIENT_CERTIFICATE_TLS,
)
_VPC_PROPS = ("vpc", "vpc_subnets", "security_group")
_MSK_AUTHS = (KafkaAuth.IAM, KafkaAuth.SASL_SCRAM_512, KafkaAuth.CLIENT_CERTIFICATE_TLS)


@dataclass(frozen=True)
class KafkaSource:
    """Where the records come from. Build one with :meth:`msk` or :meth:`self_managed`;
    :class:`KafkaConsumer` validates it (errors name the consumer's path)."""

    kind: str
    cluster_arn: str | None = None
    bootstrap_servers: tuple[str, ...] = ()
    auth: KafkaAuth = KafkaAuth.IAM
    secret: secretsmanager.ISecret | None = None
    root_ca_certificate: secretsmanager.ISecret | None = None
    vpc: ec2.IVpc | None = None
    vpc_subnets: ec2.SubnetSelection | None = None
    security_group: ec2.ISecurityGroup | None = None

    @classmethod
    def msk(
        cls,
        cluster_arn: str,
        *,
        auth: KafkaAuth = KafkaAuth.IAM,
        secret: secretsmanager.ISecret | None = None,
    ) -> KafkaSource:
        """An Amazon MSK cluster (provisioned or serverless).

        :param cluster_arn: ``arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>``
            (a token is accepted).
        :param auth: ``IAM`` (default; least-privilege ``kafka-cluster:*`` grants on this
            topic and consumer group), ``SASL_SCRAM_512`` or ``CLIENT_CERTIFICATE_TLS``.
        :param secret: the Secrets Manager secret for SCRAM or mTLS; none for IAM.
        """
        return cls(kind="msk", cluster_arn=cluster_arn, auth=auth, secret=secret)

    @classmethod
    def self_managed(
        cls,
        bootstrap_servers: Sequence[str],
        *,
        auth: KafkaAuth = KafkaAuth.SASL_SCRAM_512,
        secret: secretsmanager.ISecret | None = None,
        root_ca_certificate: secretsmanager.ISecret | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_group: ec2.ISecurityGroup | None = None,
    ) -> KafkaSource:
        """A self-managed Apache Kafka cluster.

        :param bootstrap_servers: ``host:port`` of the brokers (1-10, distinct).
        :param auth: default ``SASL_SCRAM_512``; ``SASL_SCRAM_256``, ``BASIC``,
            ``CLIENT_CERTIFICATE_TLS``, or ``NONE`` (only inside a VPC).
        :param secret: the credentials secret; required unless ``auth`` is ``NONE``.
        :param root_ca_certificate: secret holding the brokers' root CA (private CAs).
        :param vpc: the brokers' VPC; with ``vpc_subnets`` and ``security_group`` (all
            three or none). Without a VPC the brokers are reached over the internet and
            must authenticate.
        """
        return cls(
            kind="self-managed",
            # anything but a list or tuple is kept as given (tuple() would split a string
            # into characters, or fail): the consumer reports it
            bootstrap_servers=(
                tuple(bootstrap_servers)
                if isinstance(bootstrap_servers, list | tuple)
                else typing.cast(tuple[str, ...], bootstrap_servers)
            ),
            auth=auth,
            secret=secret,
            root_ca_certificate=root_ca_certificate,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_group=security_group,
        )

    @property
    def in_vpc(self) -> bool:
        """Lambda creates network interfaces in the cluster's VPC (always for MSK)."""
        return self.kind == "msk" or self.vpc is not None

    def check(self, problems: Problems) -> None:
        """Add a problem (prop ``source...``) for each invalid setting."""
        if self.kind not in ("msk", "self-managed"):
            problems.add("source", "must come from KafkaSource.msk() or .self_managed()", self)
            return
        if not isinstance(self.auth, KafkaAuth):
            problems.add("source.auth", "must be a paved_road.KafkaAuth member", self.auth)
            return
        if self.kind == "msk":
            self._check_msk(problems)
        else:
            self._check_self_managed(problems)
        if self.auth in _SECRET_AUTHS and self.secret is None:
            problems.add(
                "source.secret",
                f"must be given for {self.auth.name} authentication (the Secrets Manager secret "
                "holding the credentials)",
            )
        if self.auth in (KafkaAuth.IAM, KafkaAuth.NONE) and self.secret is not None:
            problems.add(
                "source.secret",
                f"must not be set with {self.auth.name} authentication",
                self.secret.node.path,
            )

    def _check_msk(self, problems: Problems) -> None:
        arn = self.cluster_arn
        if not arn or (not is_token(arn) and not _CLUSTER_ARN.fullmatch(arn)):
            problems.add(
                "source.cluster_arn",
                "must be an MSK cluster ARN "
                "(arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)",
                arn,
            )
        if self.auth not in _MSK_AUTHS:
            problems.add(
                "source.auth",
                "for MSK must be IAM, SASL_SCRAM_512 or CLIENT_CERTIFICATE_TLS",
                self.auth.name,
            )

    def _check_self_managed(self, problems: Problems) -> None:
        servers = self.bootstrap_servers
        if not servers:
            problems.add("source.bootstrap_servers", "must list at least one host:port", [])
        elif len(servers) > MAX_BOOTSTRAP_SERVERS:
            problems.add(
                "source.bootstrap_servers",
                f"must list at most {MAX_BOOTSTRAP_SERVERS} brokers",
                len(servers),
            )
        repeated = sorted({s for s in servers if servers.count(s) > 1 and not is_token(s)})
        if repeated:
            problems.add("source.bootstrap_servers", "must not repeat a broker", repeated)
        for server in servers:
            if is_token(server):
                continue
            match = _BOOTSTRAP_SERVER.fullmatch(server)
            if match is None or not 1 <= int(match.group("port")) <= 65535:
                problems.add("source.bootstrap_servers", "entries must be host:port", server)
        if self.auth is KafkaAuth.IAM:
            problems.add("source.auth", "IAM is for MSK only; use SASL, BASIC or mTLS", "IAM")
        vpc_parts = (self.vpc, self.vpc_subnets, self.security_group)
        if any(p is not None for p in vpc_parts) and any(p is None for p in vpc_parts):
            problems.add(
                "source.vpc/vpc_subnets/security_group",
                "must be given together (all three or none)",
                ", ".join(name for name, part in zip(_VPC_PROPS, vpc_parts, strict=True) if part),
            )
        if self.vpc is None and self.auth is KafkaAuth.NONE:
            problems.add(
                "source.auth",
                "NONE is only allowed for brokers inside a VPC (brokers reached over the "
                "internet must authenticate)",
                "NONE",
            )


@dataclass(frozen=True)
class PollerSizing:
    """A provisioned-mode starting point: ``minimum_pollers``, ``maximum_pollers`` and
    the ``reasoning`` behind them. Validate it with real metrics (OffsetLag,
    ProvisionedPollers) and adjust: provisioned pollers are billed while they run."""

    minimum_pollers: int
    maximum_pollers: int
    partitions: int
    peak_mb_per_s: float
    records_per_second: float
    reasoning: tuple[str, ...] = field(default=())

    @classmethod
    def from_throughput(
        cls,
        *,
        peak_mb_per_s: float,
        partitions: int,
        average_record_kb: float,
        baseline_mb_per_s: float | None = None,
    ) -> PollerSizing:
        """Size provisioned pollers from the topic's throughput.

        * ceiling: enough pollers for the peak at up to 5 MB/s each (AWS's published
          figure), never more than the topic's partitions (Lambda assigns at most one
          poller per partition, to keep per-partition order) nor 2,000;
        * floor: enough for ``baseline_mb_per_s`` when given; otherwise AWS's "start
          small" advice: 1 poller for topics under 10 partitions, else a quarter of the
          ceiling (paved-road's heuristic: a low floor, a flexible ceiling); never above
          200 or the ceiling.

        :param peak_mb_per_s: expected peak ingest of the topic, MB/s (> 0).
        :param partitions: partitions of the topic (>= 1).
        :param average_record_kb: average record size, KB (> 0, at most 6,144: a record
            must fit Lambda's 6 MB invocation payload); used for the records/s estimate.
        :param baseline_mb_per_s: steady-state ingest, MB/s; default none.
        :raises PavedRoadError: for values out of those ranges.
        """
        problems = Problems("PollerSizing", "from_throughput")
        for prop, value in (
            ("peak_mb_per_s", peak_mb_per_s),
            ("average_record_kb", average_record_kb),
        ):
            if not _finite_number(value) or value <= 0:
                problems.add(prop, "must be a finite number greater than 0", value)
        if not isinstance(partitions, int) or isinstance(partitions, bool) or partitions < 1:
            problems.add("partitions", "must be an integer of at least 1", partitions)
        if baseline_mb_per_s is not None and (
            not _finite_number(baseline_mb_per_s) or baseline_mb_per_s < 0
        ):
            problems.add("baseline_mb_per_s", "must be a finite number >= 0", baseline_mb_per_s)
        problems.raise_if_any()
        if average_record_kb > MAX_INVOKE_PAYLOAD_KB:
            problems.add(
                "average_record_kb",
                f"must be at most {MAX_INVOKE_PAYLOAD_KB} (a record must fit Lambda's 6 MB "
                "invocation payload)",
                average_record_kb,
            )
        if baseline_mb_per_s is not None and baseline_mb_per_s > peak_mb_per_s:
            problems.add(
                "baseline_mb_per_s",
                f"must not exceed peak_mb_per_s ({peak_mb_per_s:g})",
                baseline_mb_per_s,
            )
        problems.raise_if_any()

        reasons: list[str] = []
        needed = max(1, math.ceil(peak_mb_per_s / MB_PER_S_PER_POLLER))
        reasons.append(
            f"peak {peak_mb_per_s:g} MB/s / {MB_PER_S_PER_POLLER:g} MB/s per poller "
            f"= {needed} poller(s)"
        )
        ceiling = needed
        if needed > partitions:
            ceiling = partitions
            reasons.append(
                f"capped at {partitions} partition(s): Lambda runs at most one poller per "
                f"partition, so this topic tops out near {partitions * MB_PER_S_PER_POLLER:g}"
                " MB/s; add partitions to go faster"
            )
        if ceiling > MAX_POLLERS_MAX:
            ceiling = MAX_POLLERS_MAX
            reasons.append(f"capped at the service maximum of {MAX_POLLERS_MAX} pollers")
        if baseline_mb_per_s is not None:
            floor = max(1, math.ceil(baseline_mb_per_s / MB_PER_S_PER_POLLER))
            reasons.append(
                f"floor: baseline {baseline_mb_per_s:g} MB/s / {MB_PER_S_PER_POLLER:g} MB/s "
                f"= {floor} poller(s)"
            )
        elif partitions < SMALL_TOPIC_PARTITIONS:
            floor = 1
            reasons.append(
                f"floor: 1 poller, AWS's starting point for topics under "
                f"{SMALL_TOPIC_PARTITIONS} partitions"
            )
        else:
            floor = max(1, math.ceil(ceiling / 4))
            reasons.append(
                f"floor: a quarter of the ceiling ({floor}), a low floor that keeps pollers "
                "connected for bursts (no baseline given)"
            )
        if floor > min(ceiling, MIN_POLLERS_MAX):
            floor = min(ceiling, MIN_POLLERS_MAX)
            reasons.append(f"floor capped at {floor} (the ceiling, or the service's 200)")
        records = peak_mb_per_s * 1024 / average_record_kb
        reasons.append(
            f"at {average_record_kb:g} KB per record the peak is about {records:,.0f} records/s"
        )
        return cls(
            minimum_pollers=floor,
            maximum_pollers=ceiling,
            partitions=partitions,
            peak_mb_per_s=float(peak_mb_per_s),
            records_per_second=records,
            reasoning=tuple(reasons),
        )

    def explain(self) -> str:
        """The reasoning as one line per step."""
        head = f"minimum_pollers={self.minimum_pollers}, maximum_pollers={self.maximum_pollers}"
        return "\n".join([head, *(f"- {line}" for line in self.reasoning)])


@dataclass(frozen=True)
class KafkaConsumerAlarms:
    """The alarms a KafkaConsumer creates (CloudWatch L2 ``Alarm`` objects).

    ``failure_destination`` watches the destination: messages visible in the queue for
    SQS, or the mapping's ``OnFailureDestinationDeliveredEventCount`` for SNS/S3 (that
    metric exists in provisioned mode only, so it is None in on-demand mode)."""

    offset_lag: cloudwatch.Alarm
    function_errors: cloudwatch.Alarm
    function_throttles: cloudwatch.Alarm
    failure_destination: cloudwatch.Alarm | None

    def all(self) -> list[cloudwatch.Alarm]:
        alarms = [self.offset_lag, self.function_errors, self.function_throttles]
        if self.failure_destination is not None:
            alarms.append(self.failure_destination)
        return alarms


FailureDestination = sqs.IQueue | sns.ITopic | s3.IBucket


@jsii.implements(lambda_.IEventSourceDlq)
class _FailureDestination:
    """The mapping's on-failure destination, granting the execution role what Lambda
    documents for it: ``sqs:SendMessage`` (with KMS use for an encrypted queue),
    ``sns:Publish``, or ``s3:PutObject`` on the objects + ``s3:ListBucket`` on the bucket
    (+ ``kms:GenerateDataKey`` for a customer-managed key; aws-cdk-lib's
    ``S3OnFailureDestination`` grants read/write instead). A function imported without
    its role gets no grant (KafkaConsumer warns)."""

    def __init__(self, kind: str, resource: FailureDestination) -> None:
        self._kind = kind
        self._resource = resource

    def bind(
        self, _target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        granted = target_handler.role is not None
        if self._kind == "sqs":
            queue: sqs.IQueue = self._resource  # type: ignore[assignment]
            if granted:
                queue.grant_send_messages(target_handler)
            return lambda_.DlqDestinationConfig(destination=queue.queue_arn)
        if self._kind == "sns":
            topic: sns.ITopic = self._resource  # type: ignore[assignment]
            if granted:
                topic.grant_publish(target_handler)
            return lambda_.DlqDestinationConfig(destination=topic.topic_arn)
        bucket: s3.IBucket = self._resource  # type: ignore[assignment]
        if granted:
            target_handler.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["s3:PutObject"], resources=[bucket.arn_for_objects("*")]
                )
            )
            target_handler.add_to_role_policy(
                iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
            )
            if bucket.encryption_key is not None:
                bucket.encryption_key.grant(target_handler, "kms:GenerateDataKey")
        return lambda_.DlqDestinationConfig(destination=bucket.bucket_arn)


class KafkaConsumer(Construct):
    """A Kafka topic consumed by a Lambda function, governed.

    Exposes ``function`` (the ``IFunction``), ``governed_function`` (when created here),
    ``event_source_mapping``, ``failure_destination`` (the queue, topic or bucket),
    ``failure_queue`` (when it is an SQS queue), ``alarms`` (:class:`KafkaConsumerAlarms`),
    ``dashboard`` (or None), ``provisioned``, ``report_batch_item_failures``,
    ``consumer_group_id`` and ``topic``.
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source: KafkaSource,
        topic: str,
        existing_function: lambda_.IFunction | GovernedFunction | None = None,
        function_props: GovernedFunctionProps | None = None,
        consumer_group_id: str | None = None,
        starting_position: lambda_.StartingPosition = lambda_.StartingPosition.TRIM_HORIZON,
        starting_position_timestamp: datetime.datetime | float | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batching_window: Duration | None = DEFAULT_BATCHING_WINDOW,
        filters: Sequence[Mapping[str, Any]] = (),
        filter_encryption: kms.IKey | None = None,
        minimum_pollers: int | None = None,
        maximum_pollers: int | None = None,
        poller_group: str | None = None,
        topic_partitions: int | None = None,
        retry_attempts: int | None = None,
        max_record_age: Duration | None = None,
        bisect_batch_on_error: bool | None = None,
        report_batch_item_failures: bool | None = None,
        failure_destination: FailureDestination | None = None,
        esm_metrics: bool | None = None,
        mapping_log_level: lambda_.EventSourceMappingLogLevel | None = None,
        enabled: bool = True,
        record_processing_time: Duration = DEFAULT_RECORD_PROCESSING_TIME,
        offset_lag_threshold: int = 1000,
        offset_lag_minutes: int = 5,
        errors_threshold: int = 1,
        alarm_topic: sns.ITopic | None = None,
        dashboard: bool = True,
    ) -> None:
        """
        :param source: :meth:`KafkaSource.msk` or :meth:`KafkaSource.self_managed`.
        :param topic: the Kafka topic (2-249 characters of ``[a-zA-Z0-9._-]``, not starting
            with ``.``).
        :param existing_function: the consumer (an ``IFunction`` or a ``GovernedFunction``;
            not a tenant-isolated one). Exclusive with ``function_props``.
        :param function_props: props of the ``GovernedFunction`` to create.
        :param consumer_group_id: default: derived from this construct's path (stable, so
            IAM can be scoped to it). It is create-only: changing it (or the construct
            path, when derived) replaces the mapping, and the new group starts at
            ``starting_position``.
        :param starting_position: ``TRIM_HORIZON`` (default: nothing retained is
            skipped), ``LATEST`` or ``AT_TIMESTAMP``.
        :param starting_position_timestamp: required with (and only with) ``AT_TIMESTAMP``:
            a timezone-aware ``datetime`` or Unix seconds.
        :param batch_size: records per invoke, 1-10,000; default 100.
        :param max_batching_window: 0-300 s; default 1 second. ``None`` leaves Lambda's
            default (500 ms for Kafka).
        :param filters: event filter patterns on the record fields (``value``, ``key``,
            ``headers``, ``partition``...), at most 5; default none.
        :param filter_encryption: customer-managed KMS key for the filter criteria;
            default AWS-owned. Needs ``filters``.
        :param minimum_pollers: provisioned mode floor, 1-200. Giving either poller bound
            turns provisioned mode on; default: on-demand mode.
        :param maximum_pollers: provisioned mode ceiling, 1-2,000, >= the floor.
        :param poller_group: provisioned mode: share pollers with other mappings of the
            same VPC (up to 100 per group); default none.
        :param topic_partitions: partitions of the topic, when known: a warning
            annotation is added when ``maximum_pollers`` exceeds it (Lambda never uses
            more pollers than partitions). See :class:`PollerSizing`.
        :param retry_attempts: provisioned mode only: -1 (infinite) or 0-10,000; default
            3 in provisioned mode (a poison batch must not block its partition forever).
        :param max_record_age: provisioned mode only: 60 s - 7 days; default none
            (records are not discarded for age).
        :param bisect_batch_on_error: provisioned mode only; default True there.
        :param report_batch_item_failures: provisioned mode only; default True there. The
            handler then returns ``{"batchItemFailures": [{"itemIdentifier":
            {"partition": "<topic>-<n>", "offset": <n>}}]}``.
        :param failure_destination: where discarded batches are recorded: an SQS queue,
            SNS topic or S3 bucket; default: an SQS queue created here (SQS-managed
            encryption, TLS only, 14-day retention) with its own alarm.
        :param esm_metrics: the mapping's EventCount, ErrorCount and KafkaMetrics metrics;
            default on in provisioned mode. Kafka mappings support them only in
            provisioned mode, so True in on-demand mode is an error.
        :param mapping_log_level: the mapping's system logs (provisioned mode only);
            default none.
        :param enabled: whether the mapping polls; default True.
        :param record_processing_time: expected handler time per record; default 10 ms.
            Recorded on the mapping for the PavedRoad-KafkaFunctionTimeoutBatch guardrail
            (timeout >= batch size x this).
        :param offset_lag_threshold: alarm when OffsetLag stays at or above this many
            records for ``offset_lag_minutes`` consecutive minutes; default 1,000.
        :param offset_lag_minutes: 1-60; default 5.
        :param errors_threshold: alarm when function errors per minute reach this; default 1.
        :param alarm_topic: SNS topic notified by every alarm; default none.
        :param dashboard: create a CloudWatch dashboard; default True.
        """
        super().__init__(scope, id)
        problems = Problems("KafkaConsumer", self.node.path)

        if isinstance(source, KafkaSource):
            source.check(problems)
        else:
            problems.add("source", "must be a KafkaSource (KafkaSource.msk(...) etc.)", source)
        if not isinstance(topic, str) or (not is_token(topic) and not _TOPIC.fullmatch(topic)):
            problems.add("topic", "must be 1-249 characters of [a-zA-Z0-9._-]", topic)
        elif not is_token(topic) and (len(topic) < 2 or topic.startswith(".")):
            problems.add(
                "topic",
                "must be at least 2 characters and not start with '.' (Lambda's Topics "
                "pattern ^[^.][a-zA-Z0-9._-]+)",
                topic,
            )
        if (existing_function is None) == (function_props is None):
            problems.add(
                "existing_function/function_props",
                "exactly one must be given",
                "both" if existing_function else "neither",
            )
        if getattr(existing_function, "_tenant_isolation_mode", None) is not None:
            problems.add(
                "existing_function",
                "must not be tenant-isolated: Lambda rejects event source mappings on "
                "tenant-isolated functions (pollers carry no tenant id)",
                existing_function.node.path if existing_function else None,
            )
        if (
            consumer_group_id is not None
            and not is_token(consumer_group_id)
            and not _CONSUMER_GROUP.fullmatch(str(consumer_group_id))
        ):
            problems.add(
                "consumer_group_id",
                "must be 1-200 characters of [a-zA-Z0-9-/*:_+=.@]",
                consumer_group_id,
            )
        if (
            isinstance(consumer_group_id, str)
            and not is_token(consumer_group_id)
            and "*" in consumer_group_id
            and isinstance(source, KafkaSource)
            and source.kind == "msk"
            and source.auth is KafkaAuth.IAM
        ):
            problems.add(
                "consumer_group_id",
                "must not contain '*' with MSK IAM authentication: the group grant "
                "(kafka-cluster:AlterGroup) would read it as a wildcard and cover other groups",
                consumer_group_id,
            )
        self._check_starting_position(problems, starting_position, starting_position_timestamp)
        check_range(problems, "batch_size", batch_size, 1, MAX_BATCH_SIZE)
        check_range(
            problems,
            "max_batching_window",
            seconds(max_batching_window),
            0,
            MAX_BATCHING_WINDOW_S,
            "seconds",
        )
        check_filters(problems, filters, top_level_keys=KAFKA_RECORD_FIELDS, source="Kafka")
        if filter_encryption is not None and not filters:
            problems.add(
                "filter_encryption", "needs filters to encrypt", _described(filter_encryption)
            )
        provisioned = minimum_pollers is not None or maximum_pollers is not None
        self._check_pollers(problems, minimum_pollers, maximum_pollers, poller_group)
        check_range(problems, "topic_partitions", topic_partitions, 1, 1e6)
        self._check_provisioned_only(
            problems,
            provisioned,
            retry_attempts=retry_attempts,
            max_record_age=max_record_age,
            bisect_batch_on_error=bisect_batch_on_error,
            report_batch_item_failures=report_batch_item_failures,
            esm_metrics=esm_metrics or None,
            mapping_log_level=mapping_log_level,
        )
        if (
            retry_attempts is not None
            and not is_token(retry_attempts)
            and retry_attempts != -1
            and not 0 <= retry_attempts <= 10_000
        ):
            problems.add(
                "retry_attempts", "must be -1 (infinite) or between 0 and 10000", retry_attempts
            )
        check_range(
            problems, "max_record_age", seconds(max_record_age), 60, MAX_RECORD_AGE_S, "seconds"
        )
        destination_kind = _destination_kind(failure_destination)
        if failure_destination is not None and destination_kind is None:
            problems.add(
                "failure_destination",
                "must be an SQS queue, SNS topic or S3 bucket (or omitted for a new queue)",
                _described(failure_destination),
            )
        record_ms = _millis(record_processing_time)
        check_range(problems, "record_processing_time", record_ms, 0.001, 900_000, "ms")
        check_range(problems, "offset_lag_threshold", offset_lag_threshold, 1, 1e12)
        check_range(problems, "offset_lag_minutes", offset_lag_minutes, 1, 60)
        check_range(problems, "errors_threshold", errors_threshold, 1, 1_000_000)
        problems.raise_if_any()

        self.topic = topic
        self.provisioned = provisioned
        self.report_batch_item_failures = bool(
            provisioned and (report_batch_item_failures is not False)
        )
        metrics_on = provisioned and esm_metrics is not False

        # --- function ---------------------------------------------------------
        self.governed_function: GovernedFunction | None
        self.function: lambda_.IFunction
        self.governed_function, self.function = mapping_consumer_function(
            self, existing_function, function_props
        )

        # --- failure destination ------------------------------------------------
        self.failure_queue: sqs.IQueue | None = None
        if failure_destination is None:
            self.failure_queue = self._create_failure_queue()
            self.failure_destination: FailureDestination = self.failure_queue
        else:
            self.failure_destination = failure_destination
            if destination_kind == "sqs":
                self.failure_queue = failure_destination  # type: ignore[assignment]
        on_failure = _FailureDestination(destination_kind or "sqs", self.failure_destination)

        # --- permissions ----------------------------------------------------------
        self.consumer_group_id = consumer_group_id or Names.unique_resource_name(
            self, max_length=200, separator="-"
        )
        self._grant_source_access(source)

        # --- event source mapping ---------------------------------------------------
        self.event_source_mapping = lambda_.EventSourceMapping(
            self,
            "EventSourceMapping",
            # a GovernedFunction's live alias: deployments shift the mapping's traffic too
            target=(
                self.governed_function.invoke_target
                if self.governed_function is not None
                else self.function
            ),
            event_source_arn=source.cluster_arn if source.kind == "msk" else None,
            kafka_bootstrap_servers=list(source.bootstrap_servers) or None,
            kafka_topic=topic,
            kafka_consumer_group_id=self.consumer_group_id,
            starting_position=starting_position,
            starting_position_timestamp=_epoch_seconds(starting_position_timestamp),
            source_access_configurations=self._source_access_configurations(source) or None,
            batch_size=batch_size,
            max_batching_window=max_batching_window,
            filters=[lambda_.FilterCriteria.filter(dict(f)) for f in filters] or None,
            filter_encryption=filter_encryption,
            on_failure=on_failure,
            support_s3_on_failure_destination=True,
            enabled=enabled,
            provisioned_poller_config=(
                lambda_.ProvisionedPollerConfig(
                    minimum_pollers=minimum_pollers,
                    maximum_pollers=maximum_pollers,
                    poller_group_name=poller_group,
                )
                if provisioned
                else None
            ),
            retry_attempts=(
                (DEFAULT_RETRY_ATTEMPTS if retry_attempts is None else retry_attempts)
                if provisioned
                else None
            ),
            max_record_age=max_record_age,
            bisect_batch_on_error=(bisect_batch_on_error is not False) if provisioned else None,
            report_batch_item_failures=self.report_batch_item_failures or None,
            metrics_config=(
                lambda_.MetricsConfig(
                    metrics=[
                        lambda_.MetricType.EVENT_COUNT,
                        lambda_.MetricType.ERROR_COUNT,
                        lambda_.MetricType.KAFKA_METRICS,
                    ]
                )
                if metrics_on
                else None
            ),
            log_level=mapping_log_level,
        )
        cfn_mapping = self.event_source_mapping.node.default_child
        assert isinstance(cfn_mapping, lambda_.CfnEventSourceMapping)
        cfn_mapping.add_metadata(RECORD_PROCESSING_METADATA, record_ms)
        # Lambda checks the role's permissions when it creates the mapping.
        self.event_source_mapping.node.add_dependency(self.function)
        if (
            provisioned
            and topic_partitions is not None
            and maximum_pollers is not None
            and not is_token(maximum_pollers)
            and maximum_pollers > topic_partitions
        ):
            Annotations.of(self).add_warning_v2(
                "paved-road:KafkaConsumer:pollersAbovePartitions",
                f"maximum_pollers {maximum_pollers} exceeds the topic's {topic_partitions} "
                f"partition(s): Lambda runs at most one poller per partition, so the ceiling "
                f"is effectively {topic_partitions} (see PollerSizing.from_throughput).",
            )

        # --- alarms and dashboard -------------------------------------------------------
        self.alarms = self._create_alarms(
            offset_lag_threshold, offset_lag_minutes, errors_threshold, metrics_on
        )
        if alarm_topic is not None:
            action = cw_actions.SnsAction(alarm_topic)
            for alarm in self.alarms.all():
                alarm.add_alarm_action(action)
        self.dashboard = self._create_dashboard(metrics_on) if dashboard else None

    # ------------------------------------------------------------------ metrics
    def metric_offset_lag(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """``OffsetLag`` (records the consumer group is behind, topic level), Maximum."""
        return cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name="OffsetLag",
            dimensions_map={"FunctionName": self.function.function_name},
            statistic="Maximum",
            period=period or Duration.minutes(1),
        )

    def metric_mapping(
        self, metric_name: str, *, statistic: str = "Sum", period: Duration | None = None
    ) -> cloudwatch.Metric:
        """A metric of this event source mapping (dimension ``EventSourceMappingUUID``):
        ``PolledEventCount``, ``FilteredOutEventCount``, ``InvokedEventCount``,
        ``FailedInvokeEventCount``, ``OnFailureDestinationDeliveredEventCount``,
        ``ProvisionedPollers``... (provisioned mode with ``esm_metrics``)."""
        return cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name=metric_name,
            dimensions_map={
                "EventSourceMappingUUID": self.event_source_mapping.event_source_mapping_id
            },
            statistic=statistic,
            period=period or Duration.minutes(1),
        )

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _check_starting_position(
        problems: Problems,
        position: lambda_.StartingPosition,
        timestamp: datetime.datetime | float | None,
    ) -> None:
        if not isinstance(position, lambda_.StartingPosition):
            problems.add(
                "starting_position", "must be TRIM_HORIZON, LATEST or AT_TIMESTAMP", position
            )
            return
        at_timestamp = position == lambda_.StartingPosition.AT_TIMESTAMP
        if at_timestamp and timestamp is None:
            problems.add("starting_position_timestamp", "must be given with AT_TIMESTAMP", None)
        elif not at_timestamp and timestamp is not None:
            problems.add(
                "starting_position_timestamp",
                f"is only allowed with AT_TIMESTAMP (starting_position is {position.name})",
                timestamp,
            )
        if isinstance(timestamp, datetime.datetime) and timestamp.tzinfo is None:
            problems.add(
                "starting_position_timestamp",
                "must be timezone-aware (e.g. datetime(..., tzinfo=UTC))",
                timestamp.isoformat(),
            )
        elif timestamp is not None and not isinstance(timestamp, datetime.datetime):
            if not isinstance(timestamp, int | float) or isinstance(timestamp, bool):
                problems.add(
                    "starting_position_timestamp",
                    "must be a datetime or Unix seconds",
                    timestamp,
                )
            elif not math.isfinite(timestamp):
                problems.add(
                    "starting_position_timestamp",
                    "must be a finite number of Unix seconds",
                    timestamp,
                )
            elif timestamp < 0:
                problems.add("starting_position_timestamp", "must be >= 0", timestamp)

    @staticmethod
    def _check_pollers(
        problems: Problems,
        minimum: int | None,
        maximum: int | None,
        group: str | None,
    ) -> None:
        check_range(problems, "minimum_pollers", minimum, 1, MIN_POLLERS_MAX)
        check_range(problems, "maximum_pollers", maximum, 1, MAX_POLLERS_MAX)
        out_of_range = (
            maximum is not None and not is_token(maximum) and not 1 <= maximum <= MAX_POLLERS_MAX
        ) or (minimum is not None and not is_token(minimum) and not 1 <= minimum <= MIN_POLLERS_MAX)
        # Lambda's defaults for Kafka: MinimumPollers 1, MaximumPollers 200 (an in-range
        # minimum never exceeds the default maximum, so only explicit pairs can conflict).
        effective_max = DEFAULT_MAXIMUM_POLLERS if maximum is None else maximum
        effective_min = 1 if minimum is None else minimum
        if (
            not out_of_range
            and not is_token(effective_min)
            and not is_token(effective_max)
            and effective_min > effective_max
        ):
            problems.add(
                "minimum_pollers",
                f"must be at most maximum_pollers ({effective_max})",
                effective_min,
            )
        if group is not None:
            if minimum is None and maximum is None:
                problems.add(
                    "poller_group",
                    "needs provisioned mode (minimum_pollers and/or maximum_pollers)",
                    group,
                )
            if not is_token(group) and not 1 <= len(group) <= 128:
                problems.add("poller_group", "must be 1-128 characters", group)
            elif not is_token(group) and not _POLLER_GROUP.fullmatch(group):
                problems.add(
                    "poller_group",
                    "must be letters, digits, '-' and '_' only (PollerGroupName)",
                    group,
                )

    @staticmethod
    def _check_provisioned_only(problems: Problems, provisioned: bool, **given: Any) -> None:
        if provisioned:
            return
        for prop, value in given.items():
            if value is not None:
                problems.add(
                    prop,
                    "is supported for Kafka in provisioned mode only (set minimum_pollers "
                    "and/or maximum_pollers)",
                    value,
                )

    def _create_failure_queue(self) -> sqs.Queue:
        return dead_letter_queue(
            self,
            "FailureQueue",
            reason="This queue is the Kafka mapping's on-failure destination (it records "
            "discarded batches); nothing consumes it automatically.",
            retention_period=FAILURE_RETENTION,
        )

    def _grant_source_access(self, source: KafkaSource) -> None:
        fn = self.function
        if fn.role is None:
            Annotations.of(self).add_warning_v2(
                "paved-road:KafkaConsumer:noRole",
                "existing_function was imported without its role: grant it the Kafka, "
                "network-interface and secret permissions listed in docs/kafka.md yourself.",
            )
            return
        if source.in_vpc:
            fn.add_to_role_policy(
                iam.PolicyStatement(actions=list(EC2_ENI_ACTIONS), resources=["*"])
            )
        if source.secret is not None:
            source.secret.grant_read(fn)
        if source.root_ca_certificate is not None:
            source.root_ca_certificate.grant_read(fn)
        if source.kind == "msk":
            assert source.cluster_arn is not None
            cluster = source.cluster_arn
            fn.add_to_role_policy(
                iam.PolicyStatement(
                    actions=[
                        "kafka:DescribeCluster",
                        "kafka:DescribeClusterV2",
                        "kafka:GetBootstrapBrokers",
                    ],
                    resources=[cluster],
                )
            )
            if source.auth is KafkaAuth.IAM:
                fn.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=[
                            "kafka-cluster:Connect",
                            "kafka-cluster:DescribeClusterDynamicConfiguration",
                        ],
                        resources=[cluster],
                    )
                )
                fn.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
                        resources=[_cluster_child_arn(cluster, "topic", self.topic)],
                    )
                )
                fn.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"],
                        resources=[_cluster_child_arn(cluster, "group", self.consumer_group_id)],
                    )
                )
        if source.in_vpc:
            self._acknowledge_eni_wildcard()

    def _acknowledge_eni_wildcard(self) -> None:
        reason = (
            "Lambda creates and describes the Kafka mapping's network interfaces in the "
            "cluster's VPC with the execution role, and the EC2 Describe* actions have no "
            "resource-level permissions (same set as AWSLambdaMSKExecutionRole)"
        )
        if self.governed_function is not None:
            self.governed_function.acknowledge_role_wildcard(reason)
            return
        role = self.function.role
        if role is not None:
            Validations.of(role).acknowledge(
                Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=reason + ".")
            )

    @staticmethod
    def _source_access_configurations(
        source: KafkaSource,
    ) -> list[lambda_.SourceAccessConfiguration]:
        types = lambda_.SourceAccessConfigurationType
        configs: list[lambda_.SourceAccessConfiguration] = []
        if source.secret is not None:
            auth_type = {
                KafkaAuth.SASL_SCRAM_512: types.SASL_SCRAM_512_AUTH,
                KafkaAuth.SASL_SCRAM_256: types.SASL_SCRAM_256_AUTH,
                KafkaAuth.BASIC: types.BASIC_AUTH,
                KafkaAuth.CLIENT_CERTIFICATE_TLS: types.CLIENT_CERTIFICATE_TLS_AUTH,
            }[source.auth]
            configs.append(
                lambda_.SourceAccessConfiguration(type=auth_type, uri=source.secret.secret_arn)
            )
        if source.root_ca_certificate is not None:
            configs.append(
                lambda_.SourceAccessConfiguration(
                    type=types.SERVER_ROOT_CA_CERTIFICATE,
                    uri=source.root_ca_certificate.secret_arn,
                )
            )
        if source.vpc is not None and source.security_group is not None:
            configs.append(
                lambda_.SourceAccessConfiguration(
                    type=types.VPC_SECURITY_GROUP, uri=source.security_group.security_group_id
                )
            )
            for subnet_id in source.vpc.select_subnets(
                **_selection_kwargs(source.vpc_subnets)
            ).subnet_ids:
                configs.append(
                    lambda_.SourceAccessConfiguration(type=types.VPC_SUBNET, uri=subnet_id)
                )
        return configs

    def _create_alarms(
        self, lag_threshold: int, lag_minutes: int, errors_threshold: int, metrics_on: bool
    ) -> KafkaConsumerAlarms:
        minute = Duration.minutes(1)
        failure_alarm: cloudwatch.Alarm | None = None
        if self.failure_queue is not None:
            failure_alarm = messages_visible_alarm(
                self,
                "FailureDestinationAlarm",
                self.failure_queue,
                description="discarded Kafka batches in the on-failure queue",
            )
        elif metrics_on:
            failure_alarm = threshold_alarm(
                self,
                "FailureDestinationAlarm",
                description="Kafka records delivered to the on-failure destination",
                metric=self.metric_mapping("OnFailureDestinationDeliveredEventCount"),
                threshold=1,
            )
        return KafkaConsumerAlarms(
            offset_lag=threshold_alarm(
                self,
                "OffsetLagAlarm",
                description=f"OffsetLag >= {lag_threshold} records for {lag_minutes} "
                f"consecutive minute(s): the consumer is not keeping up",
                metric=self.metric_offset_lag(),
                threshold=lag_threshold,
                evaluation_periods=lag_minutes,
            ),
            function_errors=threshold_alarm(
                self,
                "FunctionErrorsAlarm",
                description="Kafka consumer function errors",
                metric=self.function.metric_errors(period=minute, statistic="Sum"),
                threshold=errors_threshold,
            ),
            function_throttles=threshold_alarm(
                self,
                "FunctionThrottlesAlarm",
                description="Kafka consumer function throttles",
                metric=self.function.metric_throttles(period=minute, statistic="Sum"),
                threshold=1,
            ),
            failure_destination=failure_alarm,
        )

    def _create_dashboard(self, metrics_on: bool) -> cloudwatch.Dashboard:
        fn = self.function
        minute = Duration.minutes(1)
        width = 8
        widgets: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title="OffsetLag (max)", left=[self.metric_offset_lag()], width=width
            ),
            cloudwatch.GraphWidget(
                title="Invocations",
                left=[fn.metric_invocations(period=minute, statistic="Sum")],
                width=width,
            ),
            cloudwatch.GraphWidget(
                title="Duration (read with the batch size)",
                left=[
                    fn.metric_duration(period=minute, statistic="p50"),
                    fn.metric_duration(period=minute, statistic="p99"),
                    fn.metric_duration(period=minute, statistic="Maximum"),
                ],
                width=width,
            ),
            cloudwatch.GraphWidget(
                title="Concurrency",
                left=[fn.metric("ConcurrentExecutions", period=minute, statistic="Maximum")],
                width=width,
            ),
            cloudwatch.GraphWidget(
                title="Errors and throttles",
                left=[
                    fn.metric_errors(period=minute, statistic="Sum"),
                    fn.metric_throttles(period=minute, statistic="Sum"),
                ],
                width=width,
            ),
        ]
        if metrics_on:
            widgets.append(
                cloudwatch.GraphWidget(
                    title="Provisioned pollers",
                    left=[self.metric_mapping("ProvisionedPollers", statistic="Maximum")],
                    width=width,
                )
            )
            widgets.append(
                cloudwatch.GraphWidget(
                    title="Polled vs filtered out vs invoked (events)",
                    left=[
                        self.metric_mapping("PolledEventCount"),
                        self.metric_mapping("FilteredOutEventCount"),
                        self.metric_mapping("InvokedEventCount"),
                    ],
                    width=width * 2,
                )
            )
        else:
            widgets.append(
                cloudwatch.TextWidget(
                    markdown="Provisioned pollers and polled/invoked event counts need "
                    "provisioned mode (`minimum_pollers`/`maximum_pollers`): Kafka mappings "
                    "publish ESM metrics only there.",
                    width=width,
                    height=6,
                )
            )
        return cloudwatch.Dashboard(
            self,
            "Dashboard",
            widgets=[widgets[i : i + 3] for i in range(0, len(widgets), 3)],
        )


def _finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _described(value: object) -> object:
    """A construct's path (for messages), else the value itself."""
    node = getattr(value, "node", None)
    return getattr(node, "path", value)


def _destination_kind(destination: object) -> str | None:
    """ "sqs", "sns" or "s3" for a queue, topic or bucket (jsii interfaces are protocols:
    ``isinstance`` cannot test them, their identifying attribute can)."""
    if destination is None:
        return None
    for kind, attribute in (("sqs", "queue_arn"), ("sns", "topic_arn"), ("s3", "bucket_arn")):
        if hasattr(destination, attribute):
            return kind
    return None


def _selection_kwargs(selection: ec2.SubnetSelection | None) -> dict[str, Any]:
    if selection is None:
        return {}
    names = (
        "availability_zones",
        "one_per_az",
        "subnet_filters",
        "subnet_group_name",
        "subnets",
        "subnet_type",
    )
    return {name: getattr(selection, name) for name in names if getattr(selection, name)}


def _millis(duration: Duration | None) -> float | None:
    if duration is None or duration.is_unresolved():
        return None
    return float(duration.to_milliseconds())


def _epoch_seconds(value: datetime.datetime | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    return float(value)


def _cluster_child_arn(cluster_arn: str, kind: str, name: str) -> str:
    """The ARN of a topic or group of an MSK cluster: the cluster ARN with ``:cluster/``
    replaced by ``:<kind>/`` and ``/<name>`` appended (MSK IAM access control resource
    types). Tokens are handled with ``Fn::Split``/``Fn::Join``."""
    if not is_token(cluster_arn):
        head, _, tail = cluster_arn.partition(":cluster/")
        return f"{head}:{kind}/{tail}/{name}"
    parts = Fn.split(":cluster/", cluster_arn)
    return Fn.join("", [Fn.select(0, parts), f":{kind}/", Fn.select(1, parts), f"/{name}"])


__all__ = [
    "KafkaAuth",
    "KafkaConsumer",
    "KafkaConsumerAlarms",
    "KafkaSource",
    "PollerSizing",
]
