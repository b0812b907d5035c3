"""Notebook widgets, driven as a student would: set fields, click buttons, read what the widget shows."""

from __future__ import annotations

import json
import time

import nbformat
import pytest
from nbclient import NotebookClient

from emulator.notebook.widgets import clock_control, event_builder, log_viewer, queue_monitor

ECHO = """
def lambda_handler(event, context):
    print("got", len(event.get("Records", [])), "records")
    return event
"""
CALCULATOR = """
import json

def lambda_handler(event, context):
    body = json.loads(event["Records"][0]["body"])
    if body["operation"] == "/" and body["number2"] == 0:
        raise ZeroDivisionError("division by zero")
    return {"result": body["number1"] + body["number2"]}
"""
FAIL = "def lambda_handler(event, context):\n    raise RuntimeError('consumer is down')\n"
NOW = "from datetime import datetime\n\ndef lambda_handler(event, context):\n    return datetime.now().isoformat()\n"


def widget_view(widget) -> dict:
    return widget._repr_mimebundle_()


def depth_cells(monitor, queue: str) -> tuple[str, str, str]:
    row = monitor.cells[queue]
    return row["visible"].value, row["in flight"].value, row["delayed"].value


# --- event builder -------------------------------------------------------------------------------

@pytest.mark.parametrize("trigger, key, expected", [
    ("sqs", "Records", lambda records: records[0]["eventSource"] == "aws:sqs"),
    ("schedule", "detail-type", lambda value: value == "Scheduled Event"),
    ("api", "httpMethod", lambda value: value == "GET"),
    ("http-api", "version", lambda value: value == "2.0"),
    ("s3", "Records", lambda records: records[0]["s3"]["object"]["key"] == "uploads/photo.jpg"),
    ("sns", "Records", lambda records: records[0]["Sns"]["Message"] == "example message"),
])
def test_each_trigger_shows_its_event_json(cloud, trigger, key, expected):
    builder = event_builder(cloud)
    builder.trigger.value = trigger
    assert expected(builder.event[key])
    shown = builder.preview.value
    assert json.dumps(key) in shown.replace("&quot;", '"')
    assert builder.as_text().startswith(f"Event builder: {trigger}")


def test_editing_a_field_rebuilds_the_event(cloud):
    builder = event_builder(cloud, "api")
    builder.inputs["method"].value = "POST"
    builder.inputs["path"].value = "/orders"
    builder.inputs["query"].value = "page=2&page=3"
    builder.inputs["headers"].value = "Content-Type: application/json\nX-Trace: abc"
    builder.inputs["body"].value = '{"item": "book"}'
    event = builder.event
    assert (event["httpMethod"], event["path"], event["body"]) == ("POST", "/orders", '{"item": "book"}')
    assert event["multiValueQueryStringParameters"] == {"page": ["2", "3"]}
    assert event["headers"]["X-Trace"] == "abc"
    assert "/orders" in builder.preview.value


def test_sqs_lines_become_the_records_of_one_batch(cloud):
    builder = event_builder(cloud, "sqs")
    builder.inputs["body"].value = '{"n": 1}\n\n{"n": 2}\n{"n": 3}'
    assert [record["body"] for record in builder.event["Records"]] == ['{"n": 1}', '{"n": 2}', '{"n": 3}']


@pytest.mark.parametrize("trigger, field, value, message", [
    ("s3", "size", "big", "size 'big' is not a whole number"),
    ("sqs", "body", "  ", "SQS rejects an empty message body"),
    ("api", "headers", "no colon here", "is not 'Name: value'"),
    ("api", "path", "orders", "path"),
    ("s3", "bucket", "Not_A_Bucket", "bucket 'Not_A_Bucket' is not valid"),
])
def test_a_bad_field_says_what_is_wrong_and_blocks_invoke(cloud, write_handler, trigger, field, value, message):
    cloud.create_function("echo", code=write_handler(ECHO))
    builder = event_builder(cloud, trigger)
    builder.inputs[field].value = value
    assert builder.event is None and message in builder.problem
    assert "Cannot build the event" in builder.preview.value
    assert builder.invoke_button.disabled
    assert f"Cannot build: {builder.problem}" in builder.as_text()


def test_invoke_shows_the_payload_and_the_log(cloud, write_handler):
    builder = event_builder(cloud)
    assert builder.invoke_button.disabled  # no function yet
    cloud.create_function("calculator", code=write_handler(CALCULATOR))
    builder.refresh()
    assert builder.function.value == "calculator" and not builder.invoke_button.disabled
    builder.invoke_button.click()
    assert builder.last.payload == {"result": 6}
    assert "calculator returned" in builder.result.value and "REPORT RequestId" in builder.result.value
    assert cloud.invocations[-1].trigger == "console"
    text = builder.as_text()
    assert "calculator returned" in text and '"result": 6' in text and "REPORT RequestId" in text


def test_invoke_shows_the_error_envelope(cloud, write_handler):
    cloud.create_function("calculator", code=write_handler(CALCULATOR))
    builder = event_builder(cloud)
    builder.inputs["body"].value = '{"number1": 1, "number2": 0, "operation": "/"}'
    builder.invoke_button.click()
    assert builder.last.error["errorType"] == "ZeroDivisionError"
    assert "calculator failed" in builder.result.value and "ZeroDivisionError" in builder.result.value
    assert "[ERROR] ZeroDivisionError: division by zero" in builder.result.value


def test_functions_created_later_are_offered(cloud, write_handler):
    builder = event_builder(cloud)
    assert builder.function.options == ()
    assert "Functions: none yet" in builder.as_text()
    cloud.create_function("b_second", code=write_handler(ECHO, folder="b"))
    cloud.create_function("a_first", code=write_handler(ECHO, folder="a"))
    cloud.advance(seconds=1)  # any notification from the cloud refreshes the list
    assert builder.function.options == ("a_first", "b_second")


def test_invoke_without_a_function_explains_what_to_do(cloud):
    builder = event_builder(cloud)
    assert builder.invoke() is None
    assert "create a function first" in builder.result.value


def test_an_unknown_trigger_is_refused_with_the_choices(cloud):
    with pytest.raises(ValueError, match="trigger 'kinesis' is unknown: choose one of sqs, schedule, api"):
        event_builder(cloud, "kinesis")


# --- queue monitor -------------------------------------------------------------------------------

def test_queue_depths_move_with_the_clock_and_the_dlq_is_marked(cloud, write_handler):
    cloud.create_function("consumer", code=write_handler(FAIL), timeout=3)
    url = cloud.create_queue("input_queue", dead_letter_queue="input_dlq", max_receive_count=2,
                             visibility_timeout=30)
    monitor = queue_monitor(cloud)
    assert monitor.cells["input_dlq"]["queue"].value == "input_dlq (DLQ of input_queue)"
    assert monitor.cells["input_queue"]["queue"].value == "input_queue"
    for number in range(3):
        cloud.sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": number}))
    cloud.sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=600)
    cloud.advance(seconds=1)
    assert depth_cells(monitor, "input_queue") == ("3", "0", "1")

    cloud.create_event_source_mapping("input_queue", "consumer")
    cloud.advance(seconds=1)  # received, the function fails: the batch waits out its visibility timeout
    assert depth_cells(monitor, "input_queue") == ("0", "3", "1")
    cloud.advance(minutes=5)  # received a second time, then moved to the DLQ
    assert depth_cells(monitor, "input_queue") == ("0", "0", "1")
    assert depth_cells(monitor, "input_dlq") == ("3", "0", "0")
    assert "12:05:02" in monitor.heading.value


def test_queues_created_later_get_a_row(cloud):
    monitor = queue_monitor(cloud)
    assert monitor.cells == {}
    assert "No queues" in monitor.as_text() and "cloud.create_queue" in monitor.as_text()
    cloud.create_queue("orders")
    cloud.sqs.send_message(QueueUrl=cloud.queue_url("orders"), MessageBody="one")
    cloud.advance(seconds=1)
    assert depth_cells(monitor, "orders") == ("1", "0", "0")


def test_queue_monitor_text_is_a_table(cloud):
    url = cloud.create_queue("input_queue", dead_letter_queue="input_dlq", max_receive_count=3)
    cloud.sqs.send_message(QueueUrl=url, MessageBody="x")
    monitor = queue_monitor(cloud)
    lines = widget_view(monitor)["text/plain"].splitlines()
    assert lines[0] == "Queues at 2026-01-05 12:00:00 UTC"
    assert lines[1].split() == ["queue", "visible", "in", "flight", "delayed"]
    assert lines[2].split() == ["input_dlq", "(DLQ", "of", "input_queue)", "0", "0", "0"]
    assert lines[3].split() == ["input_queue", "1", "0", "0"]


# --- clock control -------------------------------------------------------------------------------

def test_step_buttons_move_the_clock_and_fire_what_falls_due(cloud, write_handler):
    cloud.create_function("ticker", code=write_handler(NOW))
    cloud.schedule("every-minute", "rate(1 minute)", "ticker")
    clock = clock_control(cloud)
    assert "2026-01-05 12:00:00 UTC" in clock.now.value
    clock.step_buttons["+1 minute"].click()
    assert cloud.clock.now().isoformat() == "2026-01-05T12:01:00+00:00"
    assert "2026-01-05 12:01:00 UTC" in clock.now.value and "1 invocation(s)" in clock.status.value
    clock.step_buttons["+1 hour"].click()
    assert "2026-01-05 13:01:00 UTC" in clock.now.value and "60 invocation(s)" in clock.status.value
    clock.step_buttons["+1 day"].click()
    assert "2026-01-06 13:01:00 UTC" in clock.now.value and "1440 invocation(s)" in clock.status.value
    assert len(cloud.invocations) == 1 + 60 + 1440


def test_clock_buttons_move_the_queue_monitor(cloud):
    url = cloud.create_queue("slow", visibility_timeout=30)
    cloud.sqs.send_message(QueueUrl=url, MessageBody="in an hour", DelaySeconds=900)
    monitor, clock = queue_monitor(cloud), clock_control(cloud)
    assert depth_cells(monitor, "slow") == ("0", "0", "1")
    clock.step_buttons["+1 hour"].click()
    assert depth_cells(monitor, "slow") == ("1", "0", "0")


def test_clock_moved_elsewhere_shows_in_the_widget(cloud):
    clock = clock_control(cloud)
    cloud.advance(hours=2)
    assert "2026-01-05 14:00:00 UTC" in clock.now.value
    assert widget_view(clock)["text/plain"].startswith("Virtual time: 2026-01-05 14:00:00 UTC (paused)")


def test_play_runs_the_clock_in_real_time_and_pause_stops_it(cloud):
    clock = clock_control(cloud)
    clock.speed.value = 3600.0
    start = cloud.clock.now()
    clock.play_button.value = True
    try:
        assert "playing, 1 hour a second" in clock.now.value
        assert all(button.disabled for button in clock.step_buttons.values())
        for _ in range(200):  # wait (at most 20 s) for the player thread to move the clock
            if cloud.clock.now() > start:
                break
            time.sleep(0.1)
        assert cloud.clock.now() > start
    finally:
        clock.play_button.value = False
    assert "paused" in clock.now.value and clock.status.value == "paused"
    assert not any(button.disabled for button in clock.step_buttons.values())
    stopped = cloud.clock.now()
    time.sleep(0.3)
    assert cloud.clock.now() == stopped


# --- log viewer ----------------------------------------------------------------------------------

def test_log_viewer_shows_the_newest_invocation_and_its_report(cloud, write_handler):
    viewer = log_viewer(cloud)
    assert "No invocation yet" in viewer.details.value
    assert "No invocations yet" in viewer.as_text()
    cloud.create_function("echo", code=write_handler(ECHO))
    cloud.invoke("echo", {"Records": [1, 2]})
    cloud.invoke("echo", {"Records": [1, 2, 3]})
    newest = cloud.invocations[-1]
    assert viewer.selected is newest
    shown = viewer.details.value
    assert "echo, triggered by invoke at 2026-01-05 12:00:00 UTC" in shown
    assert "warm start; succeeded" in shown and "got 3 records" in shown
    assert f"REPORT RequestId: {newest.request_id}" in shown


def test_picking_an_older_invocation_shows_its_cold_start(cloud, write_handler):
    cloud.create_function("echo", code=write_handler(ECHO))
    cloud.invoke("echo", {})
    cloud.invoke("echo", {})
    viewer = log_viewer(cloud)
    labels = [label for label, _ in viewer.invocation.options]
    assert "warm" in labels[0] and "cold" in labels[1]
    viewer.invocation.value = 0
    assert "cold start, Init Duration" in viewer.details.value
    cloud.invoke("echo", {})
    assert viewer.selected is cloud.invocations[0]  # your pick stays while new invocations arrive


def test_filters_by_function_and_errors(cloud, write_handler):
    cloud.create_function("echo", code=write_handler(ECHO, folder="echo"))
    cloud.create_function("broken", code=write_handler(FAIL, folder="broken"))
    cloud.invoke("echo", {})
    failed = cloud.invoke("broken", {})
    cloud.invoke("echo", {})
    viewer = log_viewer(cloud)
    assert viewer.function.options == ("all functions", "broken", "echo")
    viewer.errors_only.value = True
    assert [index for _, index in viewer.invocation.options] == [1]
    assert "failed: RuntimeError: consumer is down" in viewer.details.value
    assert f"[ERROR] RuntimeError: consumer is down" in viewer.details.value
    assert "ERROR RuntimeError" in viewer.invocation.label and failed.request_id[:8] in viewer.invocation.label
    viewer.errors_only.value = False
    viewer.function.value = "echo"
    assert [index for _, index in viewer.invocation.options] == [2, 0]


def test_log_viewer_text_lists_invocations_and_the_chosen_log(cloud, write_handler):
    cloud.create_function("ticker", code=write_handler(NOW))
    cloud.schedule("every-minute", "rate(1 minute)", "ticker")
    viewer = log_viewer(cloud)
    cloud.advance(minutes=3)
    text = widget_view(viewer)["text/plain"]
    lines = text.splitlines()
    assert lines[0] == "3 invocation(s), newest first:"
    assert lines[1].startswith("2026-01-05 12:03:00  ticker  schedule:every-minute  warm")
    assert lines[3].startswith("2026-01-05 12:01:00  ticker  schedule:every-minute  cold")
    assert "ticker, triggered by schedule:every-minute at 2026-01-05 12:03:00 UTC" in text
    assert "REPORT RequestId" in text


# --- every widget --------------------------------------------------------------------------------

@pytest.mark.parametrize("make, expected", [
    (event_builder, "Event builder: sqs"),
    (queue_monitor, "No queues at 2026-01-05 12:00:00 UTC"),
    (clock_control, "Virtual time: 2026-01-05 12:00:00 UTC (paused)"),
    (log_viewer, "No invocations yet"),
])
def test_each_widget_carries_a_widget_view_and_readable_text(cloud, make, expected):
    widget = make(cloud)
    bundle = widget_view(widget)
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith(expected) and "(" in bundle["text/plain"]
    assert str(widget) == bundle["text/plain"]


def test_a_closed_widget_stops_following_the_cloud(cloud):
    monitor = queue_monitor(cloud)
    monitor.close()
    cloud.advance(hours=1)
    assert "12:00:00" in monitor.heading.value


@pytest.mark.slow
def test_headless_notebook_shows_the_text_of_each_widget(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "from datetime import datetime, timezone\n"
        "from emulator import LocalCloud\n"
        "from emulator.notebook.widgets import clock_control, event_builder, log_viewer, queue_monitor\n"
        "cloud = LocalCloud(start_time=datetime(2026, 1, 5, 12, tzinfo=timezone.utc)).start()\n"
        "cloud.create_queue('input_queue', dead_letter_queue='input_dlq', max_receive_count=3)",
        "queue_monitor(cloud)",
        "clock_control(cloud)",
        "event_builder(cloud, 'schedule')",
        "log_viewer(cloud)",
        "cloud.stop()",
    )])
    NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                   ).execute()
    texts = [cell.outputs[0]["data"]["text/plain"] for cell in notebook.cells[1:5]]
    assert "input_dlq (DLQ of input_queue)" in texts[0]
    assert texts[1].startswith("Virtual time: 2026-01-05 12:00:00 UTC")
    assert '"detail-type": "Scheduled Event"' in texts[2]
    assert texts[3].startswith("No invocations yet")
    assert all("application/vnd.jupyter.widget-view+json" in cell.outputs[0]["data"] for cell in notebook.cells[1:5])


def test_the_newest_hundred_are_offered_and_filters_reach_older_ones(cloud, write_handler):
    cloud.create_function("broken", code=write_handler(FAIL, folder="broken"))
    cloud.create_function("ticker", code=write_handler(NOW, folder="ticker"))
    cloud.invoke("broken", {})
    cloud.schedule("every-minute", "rate(1 minute)", "ticker")
    viewer = log_viewer(cloud)
    cloud.advance(minutes=150)
    assert len(viewer.invocation.options) == 100
    assert viewer.invocation.options[0][0].startswith("2026-01-05 14:30:00  ticker")
    viewer.function.value = "broken"
    assert [index for _, index in viewer.invocation.options] == [0]
    viewer.function.value = "ticker"
    viewer.errors_only.value = True
    assert viewer.invocation.options == () and "No invocation matches the filters" in viewer.details.value
