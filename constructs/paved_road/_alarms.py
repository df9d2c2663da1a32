"""The alarm shape paved-road constructs share: fire when a metric reaches (or, for
rollback alarms, exceeds) a threshold, missing data is not breaching (idle resources
stay OK)."""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from paved_road._tree import path_of


def threshold_alarm(
    scope: Construct,
    id: str,
    *,
    description: str,
    metric: cloudwatch.IMetric,
    threshold: float,
    evaluation_periods: int = 1,
    datapoints_to_alarm: int | None = None,
    strictly_above: bool = False,
) -> cloudwatch.Alarm:
    """An alarm on ``metric >= threshold`` (``>`` with ``strictly_above``) in
    ``datapoints_to_alarm`` (default: all) of ``evaluation_periods`` periods, described
    with the owning construct's path so notifications say where it comes from."""
    return cloudwatch.Alarm(
        scope,
        id,
        alarm_description=f"{path_of(scope)}: {description}",
        metric=metric,
        threshold=threshold,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
        if strictly_above
        else cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
