"""Subscription and monitored-item parameters derived from the configuration."""

from __future__ import annotations

import math

from asyncua import ua
from asyncua.common.node import Node
from asyncua.ua.attribute_ids import AttributeIds

from drivers.opcua.nodes import OpcuaNodeConfig

KEEPALIVE_MS = 3000
"""A keep-alive at least every ~3 s, so a dead subscription is noticed quickly."""
QUEUE_SPAN_MS = 2000
"""Each monitored item's server-side queue holds at least this much sampling (bounded at 100)."""
LIFETIME_MS = 600_000
"""The server keeps an orphaned subscription ~10 min, long enough to transfer it after a blip."""


def subscription_parameters(publishing_interval_ms: float) -> ua.CreateSubscriptionParameters:
    """Publishing interval as configured; keep-alive count >= 10, lifetime >= 3 keep-alives."""
    keepalive = max(10, math.ceil(KEEPALIVE_MS / publishing_interval_ms))
    lifetime = max(3 * keepalive, math.ceil(LIFETIME_MS / publishing_interval_ms))
    return ua.CreateSubscriptionParameters(
        RequestedPublishingInterval=publishing_interval_ms,
        RequestedLifetimeCount=lifetime,
        RequestedMaxKeepAliveCount=keepalive,
        MaxNotificationsPerPublish=10_000,
        PublishingEnabled=True,
        Priority=0,
    )


def monitored_item_request(
    config: OpcuaNodeConfig, node: Node, handle: int, publishing_interval_ms: float
) -> ua.MonitoredItemCreateRequest:
    """Value monitoring with the node's sampling interval and absolute deadband."""
    queue = queue_size(config.sampling_interval_ms, publishing_interval_ms)
    params = ua.MonitoringParameters(
        ClientHandle=handle,
        SamplingInterval=config.sampling_interval_ms,
        QueueSize=queue,
        DiscardOldest=True,
    )
    if config.deadband > 0:
        params.Filter = ua.DataChangeFilter(
            Trigger=ua.DataChangeTrigger.StatusValue,
            DeadbandType=ua.DeadbandType.Absolute,
            DeadbandValue=config.deadband,
        )
    return ua.MonitoredItemCreateRequest(
        ItemToMonitor=ua.ReadValueId(NodeId=node.nodeid, AttributeId=AttributeIds.Value),
        MonitoringMode=ua.MonitoringMode.Reporting,
        RequestedParameters=params,
    )


def queue_size(sampling_interval_ms: float, publishing_interval_ms: float) -> int:
    """Server-side queue of one item: two publishing intervals of samples + 1, >= QUEUE_SPAN_MS.

    ceil(publishing / sampling) alone dropped ~13 % of 100 ms changes under load, and twice that
    + 1 still ~6 % on a busy machine: the client's publish came > 300 ms late. Bounded at 100.
    """
    sampling = max(sampling_interval_ms, 1.0)
    per_publish = max(1, math.ceil(publishing_interval_ms / sampling))
    return min(100, max(2 * per_publish + 1, math.ceil(QUEUE_SPAN_MS / sampling)))
