"""One behaviour, two hosts: every test here runs with handlers in the test's process and in a process
of their own behind the Lambda Runtime API (``LocalCloud(isolation="process")``).

A handler's ``sys.exit``, ``os.chdir``, deleted variables and threads' output behave alike on both
hosts (tests/test_runtime_parity.py checks the in-process host against awslambdaric itself).
``os._exit`` cannot be survived in-process at all: that test runs in process mode only.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone

import pytest

from emulator import LocalCloud

START = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["in-process", "process"])
def cloud(request):
    with LocalCloud(start_time=START, isolation=request.param) as running:
        yield running


def test_a_return_value_comes_back_after_a_json_round_trip(cloud, write_handler):
    cloud.create_function("echo", code=write_handler("def lambda_handler(e, c):\n    return (1, e['key1'])\n"))
    result = cloud.invoke("echo", {"key1": "value1"})
    assert result.payload == [1, "value1"] and result.error is None and result.cold_start
    again = cloud.invoke("echo", {"key1": "v2"})
    assert again.payload == [1, "v2"] and not again.cold_start and again.init_duration_ms is None


def test_module_state_survives_warm_invocations(cloud, write_handler):
    code = "count = 0\ndef lambda_handler(e, c):\n    global count\n    count += 1\n    return count\n"
    cloud.create_function("counter", code=write_handler(code))
    assert [cloud.invoke("counter", {}).payload for _ in range(3)] == [1, 2, 3]


def test_an_exception_gives_the_aws_error_envelope_and_log(cloud, write_handler):
    cloud.create_function("fails", code=write_handler("def lambda_handler(e, c):\n    raise ValueError('number1 is missing')\n"))
    result = cloud.invoke("fails", {})
    assert result.payload is None
    assert set(result.error) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert (result.error["errorType"], result.error["errorMessage"]) == ("ValueError", "number1 is missing")
    assert result.error["requestId"] == result.request_id
    assert len(result.error["stackTrace"]) == 1 and "lambda_function.py" in result.error["stackTrace"][0]
    assert "[ERROR] ValueError: number1 is missing\nTraceback (most recent call last):" in result.logs
    assert not cloud.invoke("fails", {}).cold_start  # a handler's error keeps the environment warm


@pytest.mark.parametrize("code, error_type, message", [
    ("import not_installed_anywhere\n", "Runtime.ImportModuleError",
     "Unable to import module 'lambda_function': No module named 'not_installed_anywhere'"),
    ("def lambda_handler(e, c)\n    return 1\n", "Runtime.UserCodeSyntaxError", "Syntax error in module 'lambda_function'"),
    ("def other(e, c):\n    pass\n", "Runtime.HandlerNotFound", "Handler 'lambda_handler' missing on module"),
    ("def lambda_handler(e, c):\n    return {1, 2}\n", "Runtime.MarshalError", "Unable to marshal response"),
    ("raise RuntimeError('database unreachable')\n", "RuntimeError", "database unreachable"),
])
def test_runtime_errors_have_the_runtimes_types_and_the_next_invocation_is_cold_after_a_failed_init(
        cloud, write_handler, code, error_type, message):
    cloud.create_function("broken", code=write_handler(code))
    result = cloud.invoke("broken", {})
    assert result.error["errorType"] == error_type and result.error["errorMessage"].startswith(message)
    assert f"[ERROR] {error_type}" in result.logs
    if error_type != "Runtime.MarshalError":
        assert cloud.invoke("broken", {}).cold_start


def test_print_and_logging_are_framed_by_start_end_report(cloud, write_handler):
    code = ("import logging\nlogger = logging.getLogger()\nlogger.setLevel(logging.INFO)\nprint('loading function')\n"
            "def lambda_handler(event, context):\n    print('value1 =', event['key1'])\n"
            "    logger.info('processed %s', event['key1'])\n    context.log('direct\\n')\n    return 'ok'\n")
    cloud.create_function("logs", code=write_handler(code))
    result = cloud.invoke("logs", {"key1": "v"})
    lines, rid = result.logs.splitlines(), result.request_id
    assert lines[:3] == ["loading function", f"START RequestId: {rid} Version: $LATEST", "value1 = v"]
    assert re.fullmatch(rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{rid}\tprocessed v", lines[3])
    assert lines[4] == "direct" and lines[-2] == f"END RequestId: {rid}"
    assert re.fullmatch(rf"REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
                        rf"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t", lines[-1])
    assert cloud.invoke("logs", {"key1": "w"}).logs.splitlines()[1] == "value1 = w"  # warm: no init output


def test_the_context_is_the_python_runtimes(cloud, write_handler):
    code = ("def lambda_handler(e, context):\n    return [context.function_name, context.function_version,\n"
            "        context.invoked_function_arn, context.memory_limit_in_mb, context.aws_request_id,\n"
            "        context.log_group_name, context.log_stream_name, context.get_remaining_time_in_millis(),\n"
            "        context.identity.cognito_identity_id, context.client_context and context.client_context.custom]\n")
    cloud.create_function("ctx", code=write_handler(code), timeout=5, memory_size=256)
    result = cloud.invoke("ctx", {}, client_context={"custom": {"k": "v"}})
    name, version, arn, memory, request_id, group, stream, remaining, identity, custom = result.payload
    assert (name, version, memory, group) == ("ctx", "$LATEST", "256", "/aws/lambda/ctx")
    assert arn == "arn:aws:lambda:us-east-1:123456789012:function:ctx" and request_id == result.request_id
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", stream)
    assert 4000 < remaining <= 5000 and identity is None and custom == {"k": "v"}


def test_the_handler_sees_the_virtual_clock_and_sleep_is_simulated_work(cloud, write_handler):
    code = ("import time\nfrom datetime import datetime, timezone\ndef lambda_handler(e, c):\n"
            "    before = c.get_remaining_time_in_millis()\n    time.sleep(2)\n"
            "    return [datetime.now(timezone.utc).isoformat(), before - c.get_remaining_time_in_millis()]\n")
    cloud.create_function("clock", code=write_handler(code), timeout=10)
    result = cloud.invoke("clock", {})
    now, slept_ms = result.payload
    assert datetime.fromisoformat(now) == START  # the clock stands still while a handler runs
    assert 1900 <= slept_ms <= 2100 and result.duration_ms >= 2000


def test_a_timeout_is_reported_like_aws_and_the_next_invocation_is_cold(cloud, write_handler):
    code = ("import time\ncalls = 0\ndef lambda_handler(e, c):\n    global calls\n    calls += 1\n"
            "    time.sleep(e.get('sleep', 0))\n    while e.get('spin'):\n        pass\n    return calls\n")
    cloud.create_function("slow", code=write_handler(code), timeout=1)
    assert cloud.invoke("slow", {}).payload == 1
    for event in ({"sleep": 5}, {"spin": True}):
        result = cloud.invoke("slow", event)
        assert result.error["errorType"] == "Sandbox.Timedout"
        assert result.error["errorMessage"] == f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds"
        assert f"{result.request_id} Task timed out after 1.00 seconds" in result.logs
        assert result.duration_ms == 1000
        after = cloud.invoke("slow", {})
        assert after.cold_start and after.payload == 1


def test_sys_exit_is_a_runtime_exit_error_and_the_next_invocation_is_cold(cloud, write_handler, request):
    code = "import sys\ndef lambda_handler(e, c):\n    print('leaving')\n    sys.exit(e['status'])\n"
    cloud.create_function("exits", code=write_handler(code))
    result = cloud.invoke("exits", {"status": 2})
    assert result.error["errorType"] == "Runtime.ExitError"
    assert result.error["errorMessage"] == f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 2"
    assert "leaving" in result.logs
    assert cloud.invoke("exits", {"status": 0}).cold_start


def test_os_exit_ends_only_the_functions_process(write_handler):
    """Process mode only: in-process, os._exit would end the test's own process (README says so)."""
    with LocalCloud(start_time=START, isolation="process") as cloud:
        cloud.create_function("exits", code=write_handler("import os\ndef lambda_handler(e, c):\n    os._exit(7)\n"))
        result = cloud.invoke("exits", {})
        assert result.error["errorMessage"].endswith("Error: Runtime exited with error: exit status 7")
        assert "Runtime.ExitError" in result.logs and cloud.invoke("exits", {}).cold_start


def test_a_handlers_chdir_and_environment_changes_stay_in_the_function(cloud, write_handler, request, monkeypatch):
    monkeypatch.chdir(os.getcwd())  # whatever happens, the next tests get their process back
    monkeypatch.setenv("PATH", os.environ["PATH"])
    monkeypatch.delenv("LEAKED", raising=False)
    code = ("import os\ndef lambda_handler(e, c):\n    here = os.getcwd()\n    os.chdir('/')\n"
            "    os.environ.pop('PATH', None)\n    os.environ['LEAKED'] = '1'\n    return here\n")
    folder = write_handler(code)
    cloud.create_function("mover", code=folder, environment={"OWN": "x"})
    cwd, path = os.getcwd(), os.environ.get("PATH")
    cloud.invoke("mover", {})
    assert (os.getcwd(), os.environ.get("PATH"), os.environ.get("LEAKED"), os.environ.get("OWN")) == (cwd, path, None, None)


def test_the_working_directory_is_the_task_root(cloud, write_handler, request):
    folder = write_handler("import os\ndef lambda_handler(e, c):\n    return [os.getcwd(), os.environ['LAMBDA_TASK_ROOT']]\n")
    cloud.create_function("where", code=folder)
    assert cloud.invoke("where", {}).payload == [str(folder.resolve())] * 2


def test_output_of_a_thread_the_handler_started_is_in_the_functions_log(cloud, write_handler, request):
    code = ("import threading\ndef lambda_handler(e, c):\n    worker = threading.Thread(target=print, args=('from a thread',))\n"
            "    worker.start()\n    worker.join()\n    return 'ok'\n")
    cloud.create_function("threads", code=write_handler(code))
    assert "from a thread" in cloud.invoke("threads", {}).logs


def test_boto3_calls_from_the_handler_reach_the_local_cloud(cloud, write_handler):
    callee = "def lambda_handler(e, c):\n    return {'doubled': e['n'] * 2}\n"
    caller = ("import boto3, json, os\nsqs = boto3.client('sqs')\ndef lambda_handler(e, c):\n"
              "    sqs.send_message(QueueUrl=os.environ['OUT'], MessageBody=json.dumps(e))\n"
              "    answer = boto3.client('lambda').invoke(FunctionName='callee', Payload=json.dumps(e))\n"
              "    return json.loads(answer['Payload'].read())\n")
    out = cloud.create_queue("out")
    cloud.create_function("callee", code=write_handler(callee, folder="callee"))
    cloud.create_function("caller", code=write_handler(caller, folder="caller"), environment={"OUT": out})
    result = cloud.invoke("caller", {"n": 21})
    assert result.payload == {"doubled": 42}
    assert [run.function for run in cloud.invocations] == ["callee", "caller"]
    assert json.loads(cloud.sqs.receive_message(QueueUrl=out)["Messages"][0]["Body"]) == {"n": 21}


def test_sqs_refusals_reach_the_handler_as_aws_errors(cloud, write_handler):
    code = ("import boto3, os\ndef lambda_handler(e, c):\n    try:\n"
            "        boto3.client('sqs').send_message(QueueUrl=os.environ['OUT'], MessageBody='')\n"
            "    except Exception as error:\n        return error.response['Error']['Code']\n")
    cloud.create_function("empty", code=write_handler(code), environment={"OUT": cloud.create_queue("out")})
    assert cloud.invoke("empty", {}).payload == "MissingParameter"


def test_a_nested_call_starts_when_the_caller_reaches_it(cloud, write_handler):
    caller = ("import time, boto3\ndef lambda_handler(e, c):\n    time.sleep(0.5)\n"
              "    boto3.client('lambda').invoke(FunctionName='callee', Payload=b'{}')\n"
              "    return c.get_remaining_time_in_millis()\n")
    cloud.create_function("callee", code=write_handler("import time\ndef lambda_handler(e, c):\n    time.sleep(1)\n",
                                                       folder="callee"))
    cloud.create_function("caller", code=write_handler(caller, folder="caller"), timeout=5)
    cloud.invoke("caller", {})
    callee, outer = cloud.invocations
    assert (callee.time - outer.time).total_seconds() >= 0.5
    assert outer.payload <= 3500 and outer.duration_ms >= 1500  # the caller waited through the callee's second


def test_an_sqs_triggered_function_gets_batches_and_bad_messages_reach_the_dead_letter_queue(cloud, write_handler):
    code = ("import json\ndef lambda_handler(event, context):\n    for record in event['Records']:\n"
            "        body = json.loads(record['body'])\n        if body.get('bad'):\n            raise ValueError('bad')\n"
            "    return len(event['Records'])\n")
    cloud.create_queue("in", dead_letter_queue="in_dlq", max_receive_count=2)
    cloud.create_function("consumer", code=write_handler(code))
    cloud.create_event_source_mapping("in", "consumer", batch_size=10)
    cloud.sqs.send_message(QueueUrl=cloud.queue_url("in"), MessageBody='{"n": 1}')
    cloud.advance(seconds=1)
    assert cloud.invocations[-1].payload == 1
    cloud.sqs.send_message(QueueUrl=cloud.queue_url("in"), MessageBody='{"bad": true}')
    cloud.run_until_idle()
    assert cloud.queue_depths()["in_dlq"]["visible"] == 1
    assert all(run.error["errorType"] == "ValueError" for run in cloud.invocations[1:])


def test_an_asynchronous_invocation_is_retried_then_sent_to_its_destination(cloud, write_handler):
    cloud.create_function("flaky", code=write_handler("def lambda_handler(e, c):\n    raise RuntimeError('down')\n"))
    cloud.configure_async("flaky", maximum_retry_attempts=1, on_failure=cloud.create_queue("failures"))
    assert cloud.invoke("flaky", {"order": 7}, invocation_type="Event") is None
    cloud.run_until_idle()
    assert [run.trigger for run in cloud.invocations].count("Event") + len(cloud.invocations) >= 2
    record = json.loads(cloud.sqs.receive_message(QueueUrl=cloud.queue_url("failures"))["Messages"][0]["Body"])
    assert record["requestPayload"] == {"order": 7} and record["responsePayload"]["errorMessage"] == "down"


def test_editing_the_code_makes_the_next_invocation_cold(cloud, write_handler):
    folder = write_handler("def lambda_handler(e, c):\n    return 'v1'\n")
    cloud.create_function("edit", code=folder)
    assert cloud.invoke("edit", {}).payload == "v1"
    (folder / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 'v2'\n")
    result = cloud.invoke("edit", {})
    assert result.payload == "v2" and result.cold_start


def test_an_unknown_isolation_is_refused():
    with pytest.raises(Exception, match="isolation 'container' is not one of"):
        LocalCloud(isolation="container")


def test_json_logs_follow_the_functions_logging_config(cloud, write_handler):
    code = "import logging\ndef lambda_handler(e, c):\n    logging.getLogger().info('hello')\n    logging.getLogger().debug('hidden')\n"
    cloud.create_function("jsonlogs", code=write_handler(code), logging_config={"LogFormat": "JSON"})
    result = cloud.invoke("jsonlogs", {})
    records = [json.loads(line) for line in result.logs.splitlines() if line.startswith("{")]
    mine = [record for record in records if record.get("message") == "hello"]
    assert mine and mine[0]["level"] == "INFO" and mine[0]["requestId"] == result.request_id
    assert "hidden" not in result.logs


@pytest.mark.parametrize("code, status", [("sys.exit('bad input')", "exit status 1"),
                                          ("raise KeyboardInterrupt", "signal: interrupt")])
def test_other_exits_are_named_as_lambda_names_them(cloud, write_handler, code, status):
    cloud.create_function("leaves", code=write_handler(f"import sys\ndef lambda_handler(e, c):\n    {code}\n"))
    result = cloud.invoke("leaves", {})
    assert result.error == {"errorType": "Runtime.ExitError",
                            "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: {status}"}
    assert "Status: error\tError Type: Runtime.ExitError" in result.logs
    if code.startswith("sys.exit"):
        assert "bad input" in result.logs


def test_what_a_subprocess_writes_is_in_the_functions_log(write_handler):
    """Process mode: fd 1 and 2 are the function's log, as the runtime process's stdout and stderr are in
    AWS. In-process they are the notebook's own (README says so)."""
    code = ("import os, subprocess, sys\ndef lambda_handler(e, c):\n"
            "    subprocess.run([sys.executable, '-c', 'print(\"from a child\")'])\n"
            "    os.write(2, 'straight to fd 2 ✓\\n'.encode())\n    print('printed')\n    return 1\n")
    with LocalCloud(start_time=START, isolation="process") as cloud:
        cloud.create_function("shells", code=write_handler(code))
        logs = [cloud.invoke("shells", {}).logs for _ in range(2)]
    for log in logs:
        assert "from a child\n" in log and "straight to fd 2 ✓\n" in log and "printed\n" in log
        assert log.index("from a child") < log.index("straight to fd 2") < log.index("END RequestId")


SQS_USER = """
import boto3, os
sqs = boto3.client("sqs")

def lambda_handler(event, context):
    url = os.environ["QUEUE_URL"]
    if event["do"] == "send":
        return sqs.send_message(QueueUrl=url, MessageBody="job")["MessageId"]
    return len(sqs.receive_message(QueueUrl=url, VisibilityTimeout=30).get("Messages", []))
"""


def test_a_handlers_sqs_calls_follow_the_virtual_clock_the_bill_and_the_trace(cloud, write_handler):
    """The kit's client-side hooks (visibility on the virtual clock, the SQS request count, the trace
    header SQS keeps) see a handler's calls in both hosts."""
    url = cloud.sqs.create_queue(QueueName="jobs")["QueueUrl"]
    cloud.create_function("worker", code=write_handler(SQS_USER), environment={"QUEUE_URL": url}, tracing="Active")
    sent = cloud.invoke("worker", {"do": "send"})
    attributes = cloud.sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["AWSTraceHeader"],
                                           VisibilityTimeout=0)["Messages"][0]["Attributes"]
    assert attributes["AWSTraceHeader"].startswith(f"Root={sent.trace_id};")
    assert cloud.invoke("worker", {"do": "receive"}).payload == 1
    assert "Messages" not in cloud.sqs.receive_message(QueueUrl=url)  # hidden for 30 virtual seconds
    cloud.advance(seconds=31)
    assert cloud.invoke("worker", {"do": "receive"}).payload == 1
    assert cloud.cost().sqs_requests["standard"] >= 3  # the handler's send and two receives are billed


def test_a_thread_started_in_one_invocation_logs_into_a_later_one(cloud, write_handler):
    """A module-level worker (a pool's thread) that first writes in the second invocation: in AWS
    the runtime's stdout is the log whatever thread writes, so its line is that invocation's."""
    code = ("import threading\nturn = threading.Event()\ndone = threading.Event()\n"
            "def wait_then_print():\n    turn.wait()\n    print('late worker')\n    done.set()\n"
            "worker = None\n"
            "def lambda_handler(e, c):\n    global worker\n    if worker is None:\n"
            "        worker = threading.Thread(target=wait_then_print, daemon=True)\n        worker.start()\n"
            "        return 'started'\n    turn.set()\n    done.wait(5)\n    return 'printed'\n")
    cloud.create_function("pool", code=write_handler(code))
    assert cloud.invoke("pool", {}).payload == "started"
    second = cloud.invoke("pool", {})
    assert second.payload == "printed" and "late worker\n" in second.logs
