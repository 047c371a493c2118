"""Powertools Logger, Metrics and Tracer, wired once. Imported lazily by the request path."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

#: Powertools metrics namespace and service dimension (the alarms and dashboard in infra/ use the same names)
NAMESPACE = "SILASTIK"
SERVICE = "silastik"
#: alarmed custom metrics (infra/operations.json): paid requests nobody acts on; reconciliation runs that could not
#: ask the provider or apply a payment. Defined here for the alarms; emitted where those conditions are detected.
STUCK_PAID = "PaidRequestsStuck"
RECONCILIATION_ERRORS = "ReconciliationErrors"
RECONCILIATION_DISCREPANCIES = "ReconciliationDiscrepancies"  # the daily report's (fulfilment/reconciliation.py)


#: libraries that log whole items, request bodies or headers at DEBUG/INFO (personal data, signed URLs)
QUIET_LIBRARIES = ("pynamodb", "botocore", "boto3", "urllib3", "s3transfer", "aws_xray_sdk")


def quiet_libraries() -> None:
    """Pin the library loggers at WARNING whatever the root level is: a root logger at DEBUG must never make
    pynamodb print an item (e-mail, phone, message) or botocore a request body."""
    import logging

    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def logger() -> Any:
    from aws_lambda_powertools import Logger

    quiet_libraries()
    return Logger(service=SERVICE)


@lru_cache(maxsize=1)
def metrics() -> Any:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=NAMESPACE, service=SERVICE)


def count(name: str, value: float = 1) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush_metrics() -> None:
    if not metrics.cache_info().currsize:  # nothing counted in this container yet: no Metrics to create (Powertools'
        return  # metrics module is ~5 ms of a cold request that counts nothing)
    m = metrics()
    if not getattr(m, "metric_set", None):
        return
    try:
        m.flush_metrics()
    except Exception:  # noqa: BLE001 - metrics must never break a request
        logger().warning("metrics flush failed")
    if m.metric_set:  # metrics disabled (POWERTOOLS_METRICS_DISABLED): Powertools neither prints nor clears, and
        m.clear_metrics()  # at 100 values it prints them anyway: drop them per request instead of piling up
