"""Schedules, asynchronous invocation, boto3's lambda.invoke and concurrency, on the virtual clock."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.exceptions import ClientError

from emulator import LocalCloud
from emulator.platform import background
from emulator.runtime import TooManyRequestsException
from emulator.triggers.schedules import InvalidScheduleExpression

NOW = """
from datetime import datetime

def lambda_handler(event, context):
    return datetime.now().strftime("%m/%d/%Y, %H:%M:%S")
"""
RETURN_EVENT = "def lambda_handler(event, context):\n    return event\n"
FAIL = "def lambda_handler(event, context):\n    raise RuntimeError('downstream is down')\n"


def test_rate_1_minute_fires_1440_times_a_day_with_times_one_minute_apart(cloud, write_handler):
    cloud.create_function("first_lambda", code=write_handler(NOW))
    cloud.schedule("minuteur", "rate(1 minute)", "first_lambda")
    cloud.advance(days=1)
    runs = cloud.invocations
    assert len(runs) == 1440
    times = [datetime.strptime(run.payload, "%m/%d/%Y, %H:%M:%S") for run in runs]
    assert all(b - a == timedelta(minutes=1) for a, b in zip(times, times[1:]))
    assert times[0] == datetime(2026, 1, 5, 12, 1) and all(run.trigger == "schedule:minuteur" for run in runs)


def test_without_threads_play_runs_on_the_event_loop(cloud, write_handler, monkeypatch):
    monkeypatch.setattr(background, "Ticker", background._EventLoopTicker)  # as in a browser tab
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    cloud.schedule("every-minute", "rate(1 minute)", "fn")
    threads_before = set(threading.enumerate())

    async def a_few_seconds_of_play() -> set[threading.Thread]:
        cloud.play(speed=600)  # ten virtual minutes a real second
        await asyncio.sleep(1.0)  # the cell is over: the loop is free, the ticks run
        threads_while_playing = set(threading.enumerate())
        cloud.pause()
        return threads_while_playing

    # no thread was started (one an earlier test left may have ended meanwhile: compare sets, not counts)
    assert asyncio.run(a_few_seconds_of_play()) - threads_before == set()
    fired = len(cloud.invocations)
    assert fired >= 3, f"only {fired} scheduled runs in a second of play at 600x"
    stopped = cloud.clock.now()
    asyncio.run(asyncio.sleep(0.3))
    assert cloud.clock.now() == stopped and len(cloud.invocations) == fired


def test_the_target_receives_the_scheduled_event(cloud, write_handler):
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    cloud.schedule("every-five", "rate(5 minutes)", "fn")
    cloud.advance(minutes=10)
    first, second = (run.payload for run in cloud.invocations)
    assert first["detail-type"] == "Scheduled Event" and first["source"] == "aws.events"
    assert first["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/every-five"]
    assert (first["time"], second["time"]) == ("2026-01-05T12:05:00Z", "2026-01-05T12:10:00Z")
    assert first["version"] == "0" and first["detail"] == {} and first["id"] != second["id"]


def test_constant_input_replaces_the_event(cloud, write_handler):
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    cloud.schedule("job", "rate(1 hour)", "fn", input={"task": "dump"})
    cloud.advance(hours=3)
    assert [run.payload for run in cloud.invocations] == [{"task": "dump"}] * 3


@pytest.mark.parametrize("expression, days, expected", [
    ("cron(30 8 ? * MON-FRI *)", 7, 5),             # weekdays at 08:30 UTC
    ("cron(0/15 * * * ? *)", 1, 96),
    ("cron(0 12 L * ? *)", 62, 2),                  # last day of January and of February
    ("cron(0 9 ? * 6L *)", 62, 2),                  # last Friday of each month
    ("cron(0 9 ? * 2#1 *)", 62, 2),                 # first Monday of each month
    ("cron(0 9 15W * ? *)", 62, 2),                 # weekday nearest the 15th
    ("rate(2 hours)", 1, 12),
    ("at(2026-01-06T09:30:00)", 10, 1),
])
def test_schedule_counts_over_virtual_days(cloud, write_handler, expression, days, expected):
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    cloud.schedule("rule", expression, "fn")
    cloud.advance(days=days)
    assert len(cloud.invocations) == expected


def test_weekday_cron_fires_on_the_right_days(cloud, write_handler):
    cloud.create_function("fn", code=write_handler(NOW))
    cloud.schedule("standup", "cron(30 8 ? * MON-FRI *)", "fn")
    cloud.advance(days=7)
    days = [datetime.strptime(run.payload, "%m/%d/%Y, %H:%M:%S").strftime("%a %H:%M") for run in cloud.invocations]
    assert days == ["Tue 08:30", "Wed 08:30", "Thu 08:30", "Fri 08:30", "Mon 08:30"]


@pytest.mark.parametrize("expression", ["rate(1 minutes)", "rate(5 minute)", "rate(30 seconds)",
                                        "cron(0 12 * * *)", "cron(0 12 * * * *)", "every 5 minutes"])
def test_an_invalid_expression_is_refused_with_its_text_quoted(cloud, write_handler, expression):
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    with pytest.raises(InvalidScheduleExpression, match=expression.replace("(", r"\(").replace(")", r"\)")
                       .replace("*", r"\*")):
        cloud.schedule("rule", expression, "fn")


def test_rules_made_with_plain_boto3_fire_too(cloud, write_handler):
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    events_client = boto3.client("events", region_name="us-east-1")
    events_client.put_rule(Name="boto-rule", ScheduleExpression="rate(10 minutes)")
    events_client.put_targets(Rule="boto-rule", Targets=[
        {"Id": "1", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:fn", "Input": '{"from": "boto3"}'}])
    cloud.advance(hours=1)
    assert [run.payload for run in cloud.invocations] == [{"from": "boto3"}] * 6
    events_client.disable_rule(Name="boto-rule")
    cloud.advance(hours=1)
    assert len(cloud.invocations) == 6

    events_client.enable_rule(Name="boto-rule")
    events_client.remove_targets(Rule="boto-rule", Ids=["1"])  # a rule without its target invokes nothing
    cloud.advance(hours=1)
    assert len(cloud.invocations) == 6


SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler"  # Scheduler needs one; the local cloud only stores it


def test_eventbridge_scheduler_schedules_made_with_boto3_fire_until_deleted(cloud, write_handler):
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    scheduler.create_schedule(Name="every-2", ScheduleExpression="rate(2 minutes)", FlexibleTimeWindow={"Mode": "OFF"},
                              Target={"Arn": cloud.function_arn("fn"), "RoleArn": SCHEDULER_ROLE, "Input": '{"n": 1}'})
    cloud.advance(minutes=7)
    assert [(run.trigger, run.payload) for run in cloud.invocations] == [("schedule:every-2", {"n": 1})] * 3

    scheduler.update_schedule(Name="every-2", ScheduleExpression="rate(2 minutes)", FlexibleTimeWindow={"Mode": "OFF"},
                              Target={"Arn": cloud.function_arn("fn"), "RoleArn": SCHEDULER_ROLE, "Input": '{"n": 2}'})
    cloud.advance(minutes=2)
    assert cloud.invocations[-1].payload == {"n": 2}
    scheduler.delete_schedule(Name="every-2")
    cloud.advance(hours=1)
    assert len(cloud.invocations) == 4


def test_a_scheduler_schedule_in_another_time_zone_warns_that_it_runs_in_utc(cloud, write_handler):
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    boto3.client("scheduler", region_name="us-east-1").create_schedule(
        Name="paris-9am", ScheduleExpression="cron(0 9 * * ? *)", ScheduleExpressionTimezone="Europe/Paris",
        FlexibleTimeWindow={"Mode": "OFF"}, Target={"Arn": cloud.function_arn("fn"), "RoleArn": SCHEDULER_ROLE})
    with pytest.warns(UserWarning, match="'paris-9am' runs in UTC here, not in Europe/Paris"):
        cloud.advance(minutes=1)


def test_an_invalid_scheduler_expression_is_refused_when_the_schedule_is_created(cloud, write_handler):
    """moto's Scheduler validates nothing; the kit refuses what Scheduler refuses, at create_schedule."""
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    with pytest.raises(scheduler.exceptions.ValidationException, match=r"Invalid Schedule Expression rate\(30 seconds\)"):
        scheduler.create_schedule(Name="too-fast", ScheduleExpression="rate(30 seconds)",
                                  FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": cloud.function_arn("fn"), "RoleArn": SCHEDULER_ROLE})
    cloud.advance(minutes=1)
    assert cloud.invocations == []


def test_the_same_script_gives_the_same_invocations(write_handler):
    def play():
        with LocalCloud(start_time=datetime(2026, 3, 1, tzinfo=timezone.utc)) as local:
            local.create_function("fn", code=write_handler(NOW))
            local.schedule("a", "rate(7 minutes)", "fn")
            local.schedule("b", "cron(0/10 * * * ? *)", "fn")
            local.advance(hours=2)
            return [(run.time, run.trigger, run.payload) for run in local.invocations]
    assert play() == play()


def test_async_invoke_runs_when_the_clock_moves(cloud, write_handler):
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    assert cloud.invoke("fn", {"n": 1}, invocation_type="Event") is None
    assert cloud.invocations == []
    cloud.run_until_idle()
    assert [run.payload for run in cloud.invocations] == [{"n": 1}]


def test_async_errors_are_retried_twice_then_sent_to_the_on_failure_destination(cloud, write_handler):
    cloud.create_function("flaky", code=write_handler(FAIL))
    failures = cloud.create_queue("failures")
    cloud.configure_async("flaky", on_failure="failures")
    cloud.invoke("flaky", {"order": 42}, invocation_type="Event")
    cloud.run_until_idle()
    attempts = cloud.invocations
    assert len(attempts) == 3 and len({a.request_id for a in attempts}) == 1
    assert [(b.time - a.time) for a, b in zip(attempts, attempts[1:])] == [timedelta(minutes=1), timedelta(minutes=2)]
    [message] = boto3.client("sqs", region_name="us-east-1").receive_message(QueueUrl=failures)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].endswith(":function:flaky:$LATEST")
    assert record["requestPayload"] == {"order": 42}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "downstream is down"


def test_maximum_retry_attempts_and_event_age(cloud, write_handler):
    cloud.create_function("flaky", code=write_handler(FAIL))
    cloud.configure_async("flaky", maximum_retry_attempts=0)
    cloud.invoke("flaky", {}, invocation_type="Event")
    cloud.run_until_idle()
    assert len(cloud.invocations) == 1
    assert cloud.async_queue.dropped[0]["requestContext"]["condition"] == "RetriesExhausted"
    cloud.configure_async("flaky", maximum_retry_attempts=2, maximum_event_age=90)
    cloud.invoke("flaky", {}, invocation_type="Event")
    cloud.run_until_idle()
    assert len(cloud.invocations) == 3  # first try, one retry a minute later; the second would be too old
    assert cloud.async_queue.dropped[1]["requestContext"]["condition"] == "EventAgeExceeded"


def test_on_success_destination_receives_the_result(cloud, write_handler):
    cloud.create_function("fn", code=write_handler("def lambda_handler(e, c):\n    return {'doubled': e['n'] * 2}\n"))
    done = cloud.create_queue("done")
    cloud.configure_async("fn", on_success=done)
    cloud.invoke("fn", {"n": 21}, invocation_type="Event")
    cloud.run_until_idle()
    [message] = boto3.client("sqs", region_name="us-east-1").receive_message(QueueUrl=done)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "Success" and record["responsePayload"] == {"doubled": 42}


def test_boto3_invoke_request_response_event_and_dry_run(cloud, write_handler):
    cloud.create_function("echo", code=write_handler("def lambda_handler(e, c):\n    print('hi')\n    return e\n",
                                                     folder="echo"))
    cloud.create_function("fails", code=write_handler(FAIL, folder="fails"))
    client = boto3.client("lambda", region_name="us-east-1")
    response = client.invoke(FunctionName="echo", Payload=json.dumps({"a": 1}), LogType="Tail")
    assert response["StatusCode"] == 200 and json.loads(response["Payload"].read()) == {"a": 1}
    assert "FunctionError" not in response and response["ExecutedVersion"] == "$LATEST"
    tail = base64.b64decode(response["LogResult"]).decode()
    assert tail.startswith("START RequestId") and "hi" in tail and "REPORT RequestId" in tail
    failed = client.invoke(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:fails", Payload=b"{}")
    assert failed["StatusCode"] == 200 and failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorMessage"] == "downstream is down"
    assert client.invoke(FunctionName="echo", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    assert client.invoke(FunctionName="echo", InvocationType="DryRun")["StatusCode"] == 204
    assert len(cloud.invocations) == 2
    cloud.run_until_idle()
    assert len(cloud.invocations) == 3
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName="missing", Payload=b"{}")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "missing" in raised.value.response["Error"]["Message"]


def test_lambda_calling_lambda_from_inside_a_handler(cloud, write_handler):
    caller = """
import json
import boto3

client = boto3.client("lambda")

def lambda_handler(event, context):
    answer = client.invoke(FunctionName="adder", Payload=json.dumps({"a": 2, "b": 3}))
    client.invoke(FunctionName="adder", InvocationType="Event", Payload=json.dumps({"a": 10, "b": 10}))
    return json.loads(answer["Payload"].read())
"""
    cloud.create_function("adder", code=write_handler("def lambda_handler(e, c):\n    return e['a'] + e['b']\n",
                                                       folder="adder"))
    cloud.create_function("caller", code=write_handler(caller, folder="caller"))
    assert cloud.invoke("caller", {}).payload == 5
    cloud.run_until_idle()
    assert [(run.function, run.payload) for run in cloud.invocations] == [("adder", 5), ("caller", 5), ("adder", 20)]


def test_a_handler_invoking_itself_gets_a_second_environment(cloud, write_handler):
    code = """
import json
import boto3

def lambda_handler(event, context):
    if event["depth"] == 0:
        return 0
    answer = boto3.client("lambda").invoke(FunctionName=context.function_name,
                                           Payload=json.dumps({"depth": event["depth"] - 1}))
    return 1 + json.loads(answer["Payload"].read())
"""
    cloud.create_function("recursive", code=write_handler(code))
    assert cloud.invoke("recursive", {"depth": 3}).payload == 3
    assert sum(run.cold_start for run in cloud.invocations) == 4


def test_sequential_synchronous_calls_never_throttle_each_other(cloud, write_handler):
    slow = "import time\ndef lambda_handler(e, c):\n    time.sleep(1)\n    return 'done'\n"
    cloud.create_function("slow", code=write_handler(slow), reserved_concurrency=1)
    assert [cloud.invoke("slow", {}).payload for _ in range(3)] == ["done"] * 3  # each waits for the last
    small = LocalCloud(account_concurrency=2)
    with small:
        small.create_function("fast", code=write_handler("def lambda_handler(e, c):\n    return 1\n", folder="f"))
        assert sum(small.invoke("fast", {}).payload for _ in range(50)) == 50


def test_a_synchronous_call_is_throttled_while_async_work_holds_the_slots(cloud, write_handler):
    slow = "import time\ndef lambda_handler(e, c):\n    time.sleep(1)\n    return 'done'\n"
    cloud.create_function("slow", code=write_handler(slow), reserved_concurrency=1)
    cloud.invoke("slow", {}, invocation_type="Event")
    cloud.advance(seconds=0.1)  # the event runs at once and holds the only slot for one virtual second
    with pytest.raises(TooManyRequestsException, match="Rate Exceeded"):
        cloud.invoke("slow", {})
    client = boto3.client("lambda", region_name="us-east-1", config=__import__("botocore.config").config.Config(
        retries={"max_attempts": 1, "mode": "standard"}))
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName="slow", Payload=b"{}")
    assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
    cloud.advance(seconds=1)
    assert cloud.invoke("slow", {}).payload == "done"


def test_throttled_async_events_wait_for_a_slot_and_none_is_lost(cloud, write_handler):
    slow = "import time\ndef lambda_handler(e, c):\n    time.sleep(1)\n    return e['job']\n"
    cloud.create_function("consumer", code=write_handler(slow), reserved_concurrency=2)
    for job in range(10):
        cloud.invoke("consumer", {"job": job}, invocation_type="Event")
    cloud.run_until_idle()
    assert sorted(run.payload for run in cloud.invocations) == list(range(10))
    started = sorted(run.time for run in cloud.invocations)
    assert started[-1] - started[0] >= timedelta(seconds=4)  # two at a time, one second each
    assert cloud.concurrency.throttles["consumer"] > 0


def test_reserved_concurrency_through_boto3(cloud, write_handler):
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    boto3.client("lambda", region_name="us-east-1").put_function_concurrency(
        FunctionName="fn", ReservedConcurrentExecutions=0)
    with pytest.raises(TooManyRequestsException):
        cloud.invoke("fn", {})


def test_real_time_mode_moves_the_clock_with_the_wall_clock(cloud, write_handler):
    import time as real_time
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    cloud.schedule("tick", "rate(1 minute)", "fn")
    start = cloud.clock.now()
    cloud.play(speed=600)  # ten virtual minutes per real second
    real_time.sleep(0.5)
    cloud.pause()
    moved = cloud.clock.now() - start
    assert timedelta(minutes=2) <= moved <= timedelta(minutes=20)
    assert len(cloud.invocations) == moved // timedelta(minutes=1)


def test_a_thousand_throttled_events_wait_in_order_and_all_run(cloud, write_handler):
    slow = "import time\ndef lambda_handler(e, c):\n    time.sleep(1)\n    return e['job']\n"
    cloud.create_function("consumer", code=write_handler(slow), reserved_concurrency=10)
    for job in range(1000):
        cloud.invoke("consumer", {"job": job}, invocation_type="Event")
    assert cloud.async_queue.pending == 1000
    cloud.run_until_idle()
    assert [run.payload for run in cloud.invocations] == list(range(1000))  # first come, first served
    assert cloud.async_queue.pending == 0
    span = cloud.invocations[-1].time - cloud.invocations[0].time
    assert timedelta(seconds=99) <= span < timedelta(seconds=101)  # ten at a time, one second each


def test_observers_hear_of_every_invocation_and_every_move_of_the_clock(cloud, write_handler):
    heard = []
    cloud.subscribe(lambda: heard.append(cloud.clock.now()))
    cloud.create_function("fn", code=write_handler(RETURN_EVENT))
    cloud.invoke("fn", {})
    cloud.advance(minutes=1)
    cloud.invoke("fn", {}, invocation_type="Event")
    cloud.run_until_idle()
    assert len(heard) == 4  # the invoke, the move, the queued event when it runs, the end of run_until_idle
    assert heard[-1] == cloud.clock.now()


def test_an_event_queued_after_a_synchronous_call_reuses_its_warm_environment(cloud, write_handler):
    """The caller queues the event only once its synchronous call returned, so AWS reuses the warm
    environment: the event is received at the instant that call ended, not when it began."""
    slow = "import time\ndef lambda_handler(e, c):\n    time.sleep(2)\n    return 'done'\n"
    cloud.create_function("worker", code=write_handler(slow))
    client = boto3.client("lambda", region_name="us-east-1")
    client.invoke(FunctionName="worker", Payload=b"{}")
    client.invoke(FunctionName="worker", InvocationType="Event", Payload=b"{}")
    cloud.run_until_idle()
    first, second = cloud.invocations
    assert (first.cold_start, second.cold_start) == (True, False)
    ended = first.time + timedelta(milliseconds=first.duration_ms + first.init_duration_ms)
    assert second.time >= ended


def test_an_event_queued_from_inside_a_handler_is_received_at_the_instant_the_handler_reached(cloud, write_handler):
    caller = """
import json, time, boto3
def lambda_handler(event, context):
    time.sleep(30)
    boto3.client("lambda").invoke(FunctionName="callee", InvocationType="Event", Payload=b"{}")
    return "queued"
"""
    cloud.create_function("caller", code=write_handler(caller, folder="caller"), timeout=60)
    cloud.create_function("callee", code=write_handler(RETURN_EVENT, folder="callee"))
    started = cloud.clock.now()
    cloud.invoke("caller", {})
    cloud.run_until_idle()
    callee = [invocation for invocation in cloud.invocations if invocation.function == "callee"]
    assert len(callee) == 1 and callee[0].time >= started + timedelta(seconds=30)
