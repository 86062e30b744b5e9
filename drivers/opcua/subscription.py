"""An asyncua subscription that hands over each publish response's data changes in one call.

asyncua 2.x, in handler mode, explodes every publish response into one event object and one
asyncio task per notification (``Subscription._deliver``): ~10,000 tasks/s on the field loop
for 1,000 items at 100 ms. :class:`BatchSubscription` takes the response's
``DataChangeNotification`` lists itself and passes each on whole, in the publish loop's own
call; everything else (status changes, events) and asyncua's bookkeeping (last sequence number,
publish time for the stale watchdog, Republish replay after a reconnect) stay asyncua's. With
:func:`~drivers.opcua.wire.install_fast_publish` on the session, the data changes arrive
already decoded into columns (Republished ones still come as asyncua's objects).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from asyncua import ua
from asyncua.client.client import Client
from asyncua.client.ua_session import UaSession
from asyncua.common.subscription import Subscription
from asyncua.ua.uaerrors import BadMessageNotAvailable

from drivers.opcua.codec import status_text
from drivers.opcua.notifications import Changes, DataChangeColumns

log = logging.getLogger(__name__)

DataChanges = Callable[[Changes, bool], None]
"""Receives the notifications of one DataChangeNotification and whether they were replayed."""


class _StatusHandler:
    """asyncua handler for what is not a data change: status changes are logged."""

    def status_change_notification(self, status: ua.StatusChangeNotification) -> None:
        log.info("OPC-UA subscription status change: %s", status_text(status.Status))


class BatchSubscription(Subscription):
    """A :class:`Subscription` whose data changes go to ``on_changes``, one call per list."""

    def __init__(
        self, session: UaSession, params: ua.CreateSubscriptionParameters, on_changes: DataChanges
    ) -> None:
        super().__init__(session, params, _StatusHandler())
        self._on_changes = on_changes

    async def publish_callback(self, publish_result: ua.PublishResult) -> None:
        """Data changes to ``on_changes`` at once; the rest of the message to asyncua."""
        message = publish_result.NotificationMessage
        others: list[Any] | None = None
        if message.NotificationData is not None:
            others = []
            for notification in message.NotificationData:
                if isinstance(notification, DataChangeColumns):
                    self._deliver_changes(notification)
                elif isinstance(notification, ua.DataChangeNotification):
                    self._deliver_changes(notification.MonitoredItems)
                else:
                    others.append(notification)
        rest = ua.NotificationMessage(
            SequenceNumber=message.SequenceNumber,
            PublishTime=message.PublishTime,
            NotificationData=others,  # type: ignore[arg-type]  # None means keep-alive
        )
        await super().publish_callback(
            ua.PublishResult(SubscriptionId=publish_result.SubscriptionId, NotificationMessage=rest)
        )

    def _deliver_changes(self, items: Changes) -> None:
        try:
            self._on_changes(items, self._replaying)
        except Exception:
            log.exception("handling %d OPC-UA data changes failed", len(items))


async def create_batch_subscription(
    client: Client, params: ua.CreateSubscriptionParameters, on_changes: DataChanges
) -> BatchSubscription:
    """``client.create_subscription`` with a :class:`BatchSubscription` (asyncua has no hook).

    The subscription is registered with the client like its own, so asyncua's auto-reconnect
    transfers (with Republish of the gap) or re-creates it after a connection loss.
    """
    subscription = BatchSubscription(client.uaclient.session, params, on_changes)
    results = await subscription.init()
    revised = client.get_subscription_revised_params(params, results)
    if revised:
        await subscription.update(revised)
    client._subscriptions.append(subscription)  # what auto_reconnect restores
    return subscription


def strict_republish(session: Any) -> None:
    """Make Republish end with ``BadMessageNotAvailable`` when the server has no such message.

    asyncua's client replays gaps after a reconnect until that status comes back; asyncua's own
    server answers an unknown sequence number with an empty message instead, so the client would
    ask again about a thousand times a second, forever. A message that is not the one asked
    for is treated as "not available", which ends the replay (OPC UA Part 4, 5.13.6).
    """
    original = session.republish

    async def republish(subscription_id: int, sequence: int) -> Any:
        message = await original(subscription_id, sequence)
        if getattr(message, "SequenceNumber", None) != sequence:
            raise BadMessageNotAvailable()  # type: ignore[no-untyped-call]
        return message

    session.republish = republish
