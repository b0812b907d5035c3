"""Triggers: what makes Lambda run your function without anyone calling it, all on one clock.

In AWS a function rarely runs because a person called it. EventBridge fires it on a schedule
(:mod:`.schedules`, :mod:`.rules`), Lambda's own pollers read an SQS queue and hand it batches
(:mod:`.event_source_mapping`, reading queues through :mod:`.queue_backends`, with
:mod:`.visibility` keeping receives on the virtual clock), and the asynchronous event queue retries
a failed event and sends it to a destination (:mod:`.asynchronous`). Each of them is limited by the
function's concurrency (:mod:`.concurrency`).

Here every one of them is a trigger on one :class:`~.timeline.Timeline`, driven by one
:class:`~.clock.VirtualClock`: ``cloud.advance(hours=24)`` asks each trigger when it is next due and
fires them in time order, so a day of a ``rate(1 minute)`` schedule plays in well under a second and
the same script always gives the same result. Triggers reach the Lambda service through the small
interface of :mod:`.service`, never through the local cloud itself.
"""
