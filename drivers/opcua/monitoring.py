"""Subscription and monitored-item parameters derived from the configuration."""

from __future__ import annotations

import math

from asyncua import ua
from asyncua.common.node import Node
from asyncua.ua.attribute_ids import AttributeIds

from drivers.opcua.nodes import OpcuaNodeConfig

KEEPALIVE_MS = 3000
"""A keep-alive at least every ~3 s, so a dead subscription is noticed quickly."""
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
    """Value monitoring with the node's sampling interval and absolute deadband.

    The queue holds every sample of one publishing interval, so fast sampling is not lost.
    """
    sampling = config.sampling_interval_ms
    # Room for every sample of one publishing interval, doubled, so a late publish loses nothing
    # (ceil(publishing / sampling) alone dropped ~13 % of 100 ms changes under load).
    queue = min(100, 2 * max(1, math.ceil(publishing_interval_ms / max(sampling, 1.0))) + 1)
    params = ua.MonitoringParameters(
        ClientHandle=handle, SamplingInterval=sampling, QueueSize=queue, DiscardOldest=True
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
