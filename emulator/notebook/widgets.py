"""Notebook widgets: watch the local cloud work while you learn.

Four small dashboards, each bound to one :class:`~emulator.LocalCloud`:

    from emulator.notebook.widgets import event_builder, queue_monitor, clock_control, log_viewer
    event_builder(cloud)    # pick a trigger, fill its fields, see the event JSON, invoke a function
    queue_monitor(cloud)    # messages in every queue: visible, in flight, delayed; DLQs marked
    clock_control(cloud)    # the virtual time, buttons to move it, play/pause for real-time mode
    log_viewer(cloud)       # pick an invocation and read its log lines and REPORT

Each is an ipywidgets box that redraws itself whenever the cloud invokes a function or its clock
moves (``cloud.subscribe``). Where no widget frontend exists (a notebook run headless by nbclient, a
plain Python console), the same object displays as plain text: a snapshot of what the widget shows.

Where we cannot be faithful: these stand in for the Lambda console's Test tab, the SQS console's
queue list and CloudWatch Logs; the real consoles show more, and they never control time.
"""

from __future__ import annotations

import html
import itertools
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import ipywidgets as widgets

from .. import events
from ..cloud import LocalCloud
from ..runtime import Invocation, LambdaServiceError

__all__ = ["clock_control", "event_builder", "log_viewer", "queue_monitor"]


def _moment(time: datetime) -> str:
    return f"{time:%Y-%m-%d %H:%M:%S} UTC"


def _pre(text: str) -> str:
    """Text shown as-is (monospaced, escaped) inside an HTML widget."""
    return f"<pre style='margin:0; white-space:pre-wrap'>{html.escape(text)}</pre>"


def _after_each_cell(callback) -> None:
    """Call ``callback`` after every notebook cell runs (when running in IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.events.register("post_run_cell", callback)


class CloudWidget(widgets.VBox):
    """A box of widgets bound to one cloud: redrawn on every invocation and clock move, with a text twin.

    Subclasses build their children, then call ``_bind``; they write ``refresh`` (redraw from the
    cloud's state) and ``as_text`` (the same information as plain text).
    """

    def _bind(self, cloud: LocalCloud, children: list[widgets.Widget]) -> None:
        self.cloud = cloud
        self.children = children
        self._lock = threading.RLock()  # the real-time player redraws from its own thread
        cloud.subscribe(self._on_cloud_change)
        _after_each_cell(self._after_cell)  # boto3 calls (a send_message) change the cloud silently
        self._on_cloud_change()

    def _after_cell(self, result) -> None:
        if self.cloud.running:  # a widget of a cloud stopped since (the lab's setup cell ran again) stays as it was
            self._on_cloud_change()

    def _on_cloud_change(self) -> None:
        with self._lock:
            self.refresh()

    def refresh(self) -> None:
        raise NotImplementedError

    def as_text(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.as_text()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view for Jupyter, and ``as_text()`` for every frontend that cannot draw widgets."""
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.as_text()
        return bundle

    def close(self) -> None:
        """Stop following the cloud and remove the widget."""
        if hasattr(self, "cloud"):  # also called on a box whose construction failed
            self.cloud.unsubscribe(self._on_cloud_change)
        super().close()


# --- event builder -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """One input of the event builder: the builder argument ``name``, shown as ``label``."""

    name: str
    label: str
    default: str = ""
    multiline: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class TriggerForm:
    """What the event builder asks for one trigger, and how it turns the answers into an event."""

    title: str
    fields: tuple[Field, ...]
    build: Callable[[dict[str, str]], dict]


def _header_lines(text: str) -> list[tuple[str, str]]:
    """``Name: value`` lines as (name, value) pairs, the way HTTP writes headers."""
    pairs = []
    for line in filter(str.strip, text.splitlines()):
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise ValueError(f"header line {line!r} is not 'Name: value' (for example 'Content-Type: application/json')")
        pairs.append((name.strip(), value.strip()))
    return pairs


def _whole_number(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a whole number: write it in digits, such as 1024") from None


def _request(values: dict[str, str]) -> dict[str, Any]:
    """The arguments both API Gateway payload versions take, from the form's text."""
    return {"method": values["method"], "path": values["path"], "query": values["query"] or None,
            "headers": _header_lines(values["headers"]), "body": values["body"] or None}


REQUEST_FIELDS = (
    Field("method", "method", "GET", choices=events.HTTP_METHODS),
    Field("path", "path", "/items/42"),
    Field("query", "query", "verbose=true"),
    Field("headers", "headers (Name: value, one a line)", "Content-Type: application/json", multiline=True),
    Field("body", "body", "", multiline=True),
)

TRIGGERS: dict[str, TriggerForm] = {
    "sqs": TriggerForm(
        "SQS: a batch of queue messages",
        (Field("body", "messages (one body a line)", '{"number1": 1, "number2": 5, "operation": "+"}',
               multiline=True),
         Field("queue", "queue", "input_queue")),
        # One record per line: an event source mapping hands the function a whole batch.
        lambda v: events.sqs(queue=v["queue"], records=[line for line in v["body"].splitlines() if line.strip()]
                             or [""])),
    "schedule": TriggerForm(
        "EventBridge: a schedule rule firing",
        (Field("rule", "rule", "every-minute"),),
        lambda v: events.scheduled(v["rule"])),
    "api": TriggerForm("API Gateway REST API (payload 1.0)", REQUEST_FIELDS,
                       lambda v: events.api_gateway(**_request(v))),
    "http-api": TriggerForm("API Gateway HTTP API (payload 2.0)", REQUEST_FIELDS,
                            lambda v: events.http_api(**_request(v))),
    "s3": TriggerForm(
        "S3: an object was uploaded (PUT)",
        (Field("bucket", "bucket", "example-bucket"), Field("key", "key", "uploads/photo.jpg"),
         Field("size", "size (bytes)", "1024")),
        lambda v: events.s3_put(v["bucket"], v["key"], size=_whole_number(v["size"], "size"))),
    "sns": TriggerForm(
        "SNS: a message published to a topic",
        (Field("message", "message", "example message", multiline=True), Field("subject", "subject"),
         Field("topic", "topic", "ExampleTopic")),
        lambda v: events.sns(v["message"], topic=v["topic"], subject=v["subject"] or None)),
}


def _input(field: Field) -> widgets.ValueWidget:
    style = {"description_width": "initial"}
    if field.choices:
        return widgets.Dropdown(options=field.choices, value=field.default, description=field.label, style=style)
    kind = widgets.Textarea if field.multiline else widgets.Text
    return kind(value=field.default, description=field.label, style=style,
                layout=widgets.Layout(width="95%"))


def _outcome_text(invocation: Invocation) -> str:
    """What the caller of a synchronous Invoke gets back: the payload, or the error envelope."""
    if invocation.error is not None:
        return f"{invocation.function} failed: {json.dumps(invocation.error, indent=2)}"
    return f"{invocation.function} returned: {json.dumps(invocation.payload, indent=2)}"


class EventBuilder(CloudWidget):
    """Build a trigger's event from a form, see its JSON, and invoke a function with it."""

    def __init__(self, cloud: LocalCloud, trigger: str = "sqs") -> None:
        if trigger not in TRIGGERS:
            raise ValueError(f"trigger {trigger!r} is unknown: choose one of {', '.join(TRIGGERS)}")
        super().__init__()
        self.trigger = widgets.Dropdown(options=[(f"{name}: {form.title}", name) for name, form in TRIGGERS.items()],
                                        value=trigger, description="trigger")
        self.form = widgets.VBox()
        self.inputs: dict[str, widgets.ValueWidget] = {}
        self.preview = widgets.HTML()
        self.function = widgets.Dropdown(description="function")
        self.invoke_button = widgets.Button(description="Invoke", button_style="primary", icon="play")
        self.result = widgets.HTML()
        self.event: dict | None = None
        self.problem: str | None = None
        self.last: Invocation | None = None
        self.trigger.observe(lambda change: self._show_form(), names="value")
        self.invoke_button.on_click(lambda button: self.invoke())
        self._show_form()
        self._bind(cloud, [self.trigger, self.form, self.preview,
                           widgets.HBox([self.function, self.invoke_button]), self.result])

    def _show_form(self) -> None:
        self.inputs = {field.name: _input(field) for field in TRIGGERS[self.trigger.value].fields}
        for box in self.inputs.values():
            box.observe(lambda change: self._build_event(), names="value")
        self.form.children = list(self.inputs.values())
        self._build_event()

    def _build_event(self) -> None:
        """Rebuild the event from the form; a value the builder rejects is shown instead of the JSON."""
        try:
            self.event = TRIGGERS[self.trigger.value].build({name: box.value for name, box in self.inputs.items()})
            self.problem = None
            self.preview.value = _pre(json.dumps(self.event, indent=2))
        except (ValueError, TypeError) as error:
            self.event, self.problem = None, str(error)
            self.preview.value = f"<b style='color:#b00'>Cannot build the event:</b> {html.escape(self.problem)}"
        self.invoke_button.disabled = self.event is None or not self.function.options

    def refresh(self) -> None:
        """Offer every function of the cloud (new ones appear as soon as the cloud notifies)."""
        names = sorted(self.cloud.functions)
        if list(self.function.options) != names:
            chosen = self.function.value
            self.function.options = names
            self.function.value = chosen if chosen in names else (names[0] if names else None)
        self.invoke_button.disabled = self.event is None or not names

    def invoke(self) -> Invocation | None:
        """Invoke the chosen function with the event, synchronously, and show what came back."""
        self._on_cloud_change()
        if self.event is None or self.function.value is None:
            missing = self.problem or "create a function first (cloud.create_function or %%lambda)"
            self.result.value = f"<b style='color:#b00'>Nothing invoked:</b> {html.escape(missing)}"
            return None
        try:
            # Like the console's Test button: a synchronous (RequestResponse) Invoke with a hand-made event.
            self.last = self.cloud.invoke(self.function.value, self.event, trigger="console")
        except LambdaServiceError as error:
            self.result.value = f"<b style='color:#b00'>{error.code}:</b> {html.escape(str(error))}"
            return None
        self.result.value = _pre(_outcome_text(self.last)) + "<b>Log</b>" + _pre(self.last.logs)
        return self.last

    def as_text(self) -> str:
        lines = [f"Event builder: {self.trigger.value} ({TRIGGERS[self.trigger.value].title})"]
        lines.append(json.dumps(self.event, indent=2) if self.event is not None else f"Cannot build: {self.problem}")
        functions = ", ".join(self.function.options) or "none yet"
        lines.append(f"Functions: {functions}. Invoke with cloud.invoke(NAME, event).")
        if self.last is not None:
            lines += [_outcome_text(self.last), self.last.logs.rstrip()]
        return "\n".join(lines)


# --- queue monitor -------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueDepth:
    """One queue's messages: ``visible`` (ready), ``in_flight`` (received, not deleted), ``delayed``."""

    name: str
    visible: int
    in_flight: int
    delayed: int
    dlq_of: tuple[str, ...] = ()  # the queues whose redrive policy sends failed messages here

    @property
    def label(self) -> str:
        return f"{self.name} (DLQ of {', '.join(self.dlq_of)})" if self.dlq_of else self.name


def queue_depths(cloud: LocalCloud) -> list[QueueDepth]:
    """Every queue of the cloud with its depths, dead-letter queues marked with their source queues."""
    sources = cloud.queue_backend.dead_letter_sources()
    return [QueueDepth(name, depth["visible"], depth["in_flight"], depth["delayed"], tuple(sorted(sources.get(name, []))))
            for name, depth in cloud.queue_depths().items()]


QUEUE_COLUMNS = ("queue", "visible", "in flight", "delayed")


class QueueMonitor(CloudWidget):
    """A table of every queue's depth, redrawn as the clock moves and functions run."""

    def __init__(self, cloud: LocalCloud) -> None:
        super().__init__()
        self.heading = widgets.HTML()
        self.table = widgets.GridBox(layout=widgets.Layout(grid_template_columns="auto repeat(3, 6em)"))
        self.cells: dict[str, dict[str, widgets.Label]] = {}
        self.depths: list[QueueDepth] = []
        self._bind(cloud, [self.heading, self.table])

    def refresh(self) -> None:
        self.depths = queue_depths(self.cloud)
        self.heading.value = f"<b>Queues at {_moment(self.cloud.clock.now())}</b>"
        if [depth.name for depth in self.depths] != list(self.cells):
            self._rebuild_rows()
        for depth in self.depths:
            row = self.cells[depth.name]
            row["queue"].value = depth.label
            row["visible"].value, row["in flight"].value, row["delayed"].value = (
                str(depth.visible), str(depth.in_flight), str(depth.delayed))

    def _rebuild_rows(self) -> None:
        self.cells = {depth.name: {column: widgets.Label() for column in QUEUE_COLUMNS} for depth in self.depths}
        header = [widgets.HTML(f"<b>{column}</b>") for column in QUEUE_COLUMNS]
        self.table.children = header + [cell for row in self.cells.values() for cell in row.values()]

    def as_text(self) -> str:
        if not self.depths:
            return f"No queues at {_moment(self.cloud.clock.now())}: create one with cloud.create_queue(NAME)."
        width = max(len(depth.label) for depth in self.depths)
        lines = [f"Queues at {_moment(self.cloud.clock.now())}",
                 f"{'queue':<{width}}  visible  in flight  delayed"]
        lines += [f"{depth.label:<{width}}  {depth.visible:>7}  {depth.in_flight:>9}  {depth.delayed:>7}"
                  for depth in self.depths]
        return "\n".join(lines)


# --- clock control -------------------------------------------------------------------------------

STEPS = (("+1 minute", {"minutes": 1}), ("+1 hour", {"hours": 1}), ("+1 day", {"days": 1}))
SPEEDS = (("real time", 1.0), ("1 minute a second", 60.0), ("1 hour a second", 3600.0))


class ClockControl(CloudWidget):
    """The virtual time, buttons that move it (firing what falls due), and play/pause for real time."""

    def __init__(self, cloud: LocalCloud) -> None:
        super().__init__()
        self.now = widgets.HTML()
        self.step_buttons = {label: widgets.Button(description=label) for label, _ in STEPS}
        for label, step in STEPS:
            self.step_buttons[label].on_click(lambda button, step=step: self.advance(**step))
        self.speed = widgets.Dropdown(options=SPEEDS, value=60.0, description="speed")
        self.play_button = widgets.ToggleButton(description="play", icon="play", value=False)
        self.play_button.observe(lambda change: self._play_or_pause(change["new"]), names="value")
        self.status = widgets.Label()
        self._bind(cloud, [self.now, widgets.HBox(list(self.step_buttons.values())),
                           widgets.HBox([self.play_button, self.speed]), self.status])

    @property
    def playing(self) -> bool:
        return self.play_button.value

    def refresh(self) -> None:
        state = f"playing, {self.speed.label}" if self.playing else "paused"
        self.now.value = f"<b>Virtual time: {_moment(self.cloud.clock.now())}</b> ({state})"

    def advance(self, **step: float) -> None:
        """Move the clock (as ``cloud.advance``) and say how many invocations that caused."""
        before = len(self.cloud.invocations)
        try:
            self.cloud.advance(**step)
        except Exception as error:  # shown in the widget: a button click has nowhere else to report
            self.status.value = f"Error while moving the clock: {type(error).__name__}: {error}"
            return
        self.status.value = (f"moved to {_moment(self.cloud.clock.now())}: "
                             f"{len(self.cloud.invocations) - before} invocation(s) on the way")

    def _play_or_pause(self, play: bool) -> None:
        for button in self.step_buttons.values():
            button.disabled = play  # one thing moves the clock at a time
        self.speed.disabled = play
        self.play_button.description, self.play_button.icon = ("pause", "pause") if play else ("play", "play")
        try:
            if play:
                self.cloud.play(speed=self.speed.value)
                self.status.value = f"real-time mode: {self.speed.label}"
            else:
                self.cloud.pause()
                self.status.value = "paused"
        except Exception as error:  # a trigger's error while playing surfaces at pause()
            self.status.value = f"Error while playing: {type(error).__name__}: {error}"
        self._on_cloud_change()

    def as_text(self) -> str:
        state = f"playing, {self.speed.label}" if self.playing else "paused"
        return (f"Virtual time: {_moment(self.cloud.clock.now())} ({state}). Move it with "
                "cloud.advance(minutes=1), cloud.advance(hours=1) or cloud.advance(days=1); "
                "cloud.play(speed=60) and cloud.pause() for real-time mode.")


# --- log viewer ----------------------------------------------------------------------------------

ALL_FUNCTIONS = "all functions"
MAX_CHOICES = 100  # the newest invocations offered; filter by function to reach older ones


def describe(invocation: Invocation) -> str:
    """One line per invocation: when, which function, what triggered it, cold or warm, and how it ended."""
    outcome = f"ERROR {invocation.error['errorType']}" if invocation.error else "ok"
    return (f"{invocation.time:%Y-%m-%d %H:%M:%S}  {invocation.function}  {invocation.trigger}  "
            f"{'cold' if invocation.cold_start else 'warm'}  {invocation.duration_ms:.1f} ms  {outcome}  "
            f"({invocation.request_id[:8]})")


class LogViewer(CloudWidget):
    """Pick one invocation (newest first, filtered by function or errors) and read its log."""

    def __init__(self, cloud: LocalCloud) -> None:
        super().__init__()
        self.function = widgets.Dropdown(options=[ALL_FUNCTIONS], description="function")
        self.errors_only = widgets.Checkbox(description="errors only", value=False)
        self.invocation = widgets.Dropdown(description="invocation", layout=widgets.Layout(width="95%"),
                                           style={"description_width": "initial"})
        self.details = widgets.HTML()
        self._labels: list[str] = []  # describe() of each invocation, computed once
        for control in (self.function, self.errors_only):
            control.observe(lambda change: self._on_cloud_change(), names="value")
        self.invocation.observe(lambda change: self._show_log(), names="value")
        self._bind(cloud, [widgets.HBox([self.function, self.errors_only]), self.invocation, self.details])

    @property
    def selected(self) -> Invocation | None:
        index = self.invocation.value
        return None if index is None else self.cloud.invocations[index]

    def refresh(self) -> None:
        history = self.cloud.invocations
        self._labels += [describe(invocation) for invocation in history[len(self._labels):]]
        names = [ALL_FUNCTIONS, *sorted(self.cloud.functions)]
        if list(self.function.options) != names:
            self.function.options = names
        matches = self._filter()
        matching = (i for i in reversed(range(len(history))) if matches(history[i]))
        choices = [(self._labels[i], i) for i in itertools.islice(matching, MAX_CHOICES)]
        if choices != list(self.invocation.options):
            following = self.invocation.index in (None, 0)
            picked = self.invocation.value
            self.invocation.options = choices
            # Follow the newest invocation, unless you picked an older one that is still on the list.
            if choices:
                still_listed = picked in {index for _, index in choices}
                self.invocation.value = picked if still_listed and not following else choices[0][1]
        self._show_log()

    def _filter(self) -> Callable[[Invocation], bool]:
        """Whether an invocation passes the function and errors-only filters."""
        wanted, errors_only = self.function.value, self.errors_only.value
        return lambda invocation: ((wanted in (None, ALL_FUNCTIONS) or invocation.function == wanted)
                                   and (not errors_only or invocation.error is not None))

    def _show_log(self) -> None:
        chosen = self.selected
        if chosen is not None:
            self.details.value = _pre(self._detail(chosen))
        else:
            self.details.value = "<i>No invocation matches the filters.</i>" if self.cloud.invocations \
                else "<i>No invocation yet.</i>"

    @staticmethod
    def _detail(invocation: Invocation) -> str:
        """A heading (trigger, time, cold start, outcome), then the log: START, your lines, END, REPORT."""
        start = (f"cold start, Init Duration {invocation.init_duration_ms:.2f} ms"
                 if invocation.cold_start and invocation.init_duration_ms is not None else
                 "cold start" if invocation.cold_start else "warm start")
        outcome = (f"failed: {invocation.error['errorType']}: {invocation.error['errorMessage']}"
                   if invocation.error else "succeeded")
        return (f"{invocation.function}, triggered by {invocation.trigger} at {_moment(invocation.time)}\n"
                f"{start}; {outcome}\n\n{invocation.logs}")

    def as_text(self) -> str:
        count = len(self.cloud.invocations)
        if not count:
            return "No invocations yet: invoke a function (cloud.invoke) or move the clock (cloud.advance)."
        shown = [label for label, _ in list(self.invocation.options)[:10]]
        lines = [f"{count} invocation(s), newest first:", *shown]
        if self.selected is not None:
            lines += ["", self._detail(self.selected).rstrip()]
        return "\n".join(lines)


# --- the four entry points -----------------------------------------------------------------------

def event_builder(cloud: LocalCloud, trigger: str = "sqs") -> EventBuilder:
    """A form per trigger (sqs, schedule, api, http-api, s3, sns) that builds the event and invokes with it."""
    return EventBuilder(cloud, trigger)


def queue_monitor(cloud: LocalCloud) -> QueueMonitor:
    """The depth of every queue (visible, in flight, delayed), dead-letter queues marked; live."""
    return QueueMonitor(cloud)


def clock_control(cloud: LocalCloud) -> ClockControl:
    """The virtual time with +1 minute / +1 hour / +1 day buttons and play/pause for real-time mode."""
    return ClockControl(cloud)


def log_viewer(cloud: LocalCloud) -> LogViewer:
    """Pick an invocation (function, trigger, time, cold/warm, error) and read its log and REPORT."""
    return LogViewer(cloud)


def trace_viewer(cloud: LocalCloud) -> widgets.VBox:
    """A notebook widget: pick one of the cloud's traces, see its waterfall (refresh shows the newest)."""
    picker = widgets.Dropdown(description="trace")
    picture = widgets.HTML()  # the waterfall's SVG
    refresh = widgets.Button(description="refresh")

    def load(_=None) -> None:
        picker.options = [(repr(trace), trace) for trace in cloud.traces()]
        if picker.options:
            picker.index = len(picker.options) - 1

    def show(change) -> None:
        if change["new"] is not None:
            picture.value = change["new"]._repr_svg_()

    picker.observe(show, names="value")
    refresh.on_click(load)
    load()
    return widgets.VBox([widgets.HBox([picker, refresh]), picture])
