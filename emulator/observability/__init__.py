"""Seeing what ran: X-Ray traces and the bill.

Lambda records an X-Ray segment for each traced invocation and sets the trace header every
invocation carries (:mod:`.tracing`, which observes the runtime without the runtime knowing it).
AWS bills every request and every GB-second (:mod:`.cost`), so the same picture tells how long a
chain of functions took and what a million of them would cost. :mod:`.charts` draws such pictures
(timelines, line charts) as SVG, which a notebook shows natively and in a browser alike.
"""
