"""The alarm shape paved-road constructs share: fire when a metric reaches a
threshold, missing data is not breaching (idle resources stay OK)."""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct


def threshold_alarm(
    scope: Construct,
    id: str,
    *,
    description: str,
    metric: cloudwatch.IMetric,
    threshold: float,
    evaluation_periods: int = 1,
) -> cloudwatch.Alarm:
    """An alarm on ``metric >= threshold`` for ``evaluation_periods`` periods, described
    with the owning construct's path so notifications say where it comes from."""
    return cloudwatch.Alarm(
        scope,
        id,
        alarm_description=f"{scope.node.path}: {description}",
        metric=metric,
        threshold=threshold,
        evaluation_periods=evaluation_periods,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
