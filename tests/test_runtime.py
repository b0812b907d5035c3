"""The Lambda runtime: invocations, execution environments, context, logs and errors."""

from __future__ import annotations

import os
import re
import sys
import threading
import time

import pytest

from emulator import LocalCloud
from emulator.platform import interrupts
from emulator.runtime import InvalidParameterValueException, RequestTooLargeException, ResourceNotFoundException

ECHO = """
def lambda_handler(event, context):
    return event["key1"]
"""

COUNTER = """
count = 0

def lambda_handler(event, context):
    global count
    count += 1
    return count
"""


def test_invoke_returns_the_handler_result_after_a_json_round_trip(cloud, write_handler):
    cloud.create_function("echo", code=write_handler("def lambda_handler(e, c):\n    return (1, e['key1'])\n"))
    result = cloud.invoke("echo", {"key1": "value1"})
    assert result.payload == [1, "value1"]  # a tuple comes back as a JSON array
    assert result.error is None
    assert re.fullmatch(r"[0-9a-f-]{36}", result.request_id)


def test_the_handler_gets_a_copy_of_the_event(cloud, write_handler):
    cloud.create_function("mutate", code=write_handler("def lambda_handler(e, c):\n    e['added'] = 1\n    return e\n"))
    event = {"a": 1}
    assert cloud.invoke("mutate", event).payload == {"a": 1, "added": 1}
    assert event == {"a": 1}


def test_first_invocation_is_cold_then_warm_with_module_state_kept(cloud, write_handler):
    cloud.create_function("counter", code=write_handler(COUNTER))
    first, second, third = (cloud.invoke("counter", {}) for _ in range(3))
    assert (first.payload, second.payload, third.payload) == (1, 2, 3)
    assert first.cold_start and first.init_duration_ms is not None and first.init_duration_ms >= 0
    assert not second.cold_start and second.init_duration_ms is None
    assert "Init Duration" in first.logs and "Init Duration" not in second.logs
    assert first.billed_duration_ms >= first.duration_ms + first.init_duration_ms  # Init is billed too


def test_editing_the_code_makes_the_next_invocation_cold_with_the_new_code(cloud, write_handler):
    folder = write_handler("def lambda_handler(e, c):\n    return 'v1'\n")
    cloud.create_function("edit", code=folder)
    assert cloud.invoke("edit", {}).payload == "v1"
    (folder / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 'v2'\n")  # same size
    result = cloud.invoke("edit", {})
    assert result.payload == "v2" and result.cold_start


def test_functions_whose_modules_share_a_name_are_isolated(cloud, write_handler):
    for name, value in (("one", 1), ("two", 2)):
        folder = write_handler(f"import helper\nstate = []\ndef lambda_handler(e, c):\n"
                               f"    state.append(helper.VALUE)\n    return state\n", folder=name)
        (folder / "helper.py").write_text(f"VALUE = {value}\n")
        cloud.create_function(name, code=folder)
    assert cloud.invoke("one", {}).payload == [1]
    assert cloud.invoke("two", {}).payload == [2]
    assert cloud.invoke("one", {}).payload == [1, 1]
    assert "lambda_function" not in __import__("sys").modules


def test_a_py_file_can_be_the_code(cloud, tmp_path):
    path = tmp_path / "sum_two.py"
    path.write_text("def lambda_handler(e, c):\n    return e['a'] + e['b']\n")
    config = cloud.create_function("sum_two", code=path)
    assert config.handler == "sum_two.lambda_handler"
    assert cloud.invoke("sum_two", {"a": 1, "b": 2}).payload == 3


def test_context_has_every_attribute_of_the_python_runtime(cloud, write_handler):
    code = """
def lambda_handler(event, context):
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        "client_context": context.client_context,
        "remaining": context.get_remaining_time_in_millis(),
    }
"""
    cloud.create_function("ctx", code=write_handler(code), timeout=5, memory_size=256)
    result = cloud.invoke("ctx", {})
    context = result.payload
    assert context["function_name"] == "ctx"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:ctx"
    assert context["memory_limit_in_mb"] == "256"  # a string, as the AWS runtime reads it from the environment
    assert context["aws_request_id"] == result.request_id
    assert context["log_group_name"] == "/aws/lambda/ctx"
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", context["log_stream_name"])
    assert context["identity"] == [None, None] and context["client_context"] is None
    assert 4000 < context["remaining"] <= 5000


def test_remaining_time_counts_sleep_as_work(cloud, write_handler):
    code = "import time\ndef lambda_handler(e, c):\n    before = c.get_remaining_time_in_millis()\n" \
           "    time.sleep(2)\n    return [before, c.get_remaining_time_in_millis()]\n"
    cloud.create_function("sleepy", code=write_handler(code), timeout=10)
    started = time.perf_counter()
    result = cloud.invoke("sleepy", {})
    before, after = result.payload
    assert 1900 <= before - after <= 2100
    assert result.duration_ms >= 2000 and result.billed_duration_ms >= 2000
    assert time.perf_counter() - started < 1.5  # simulated work does not make the test wait


def test_environment_variables_are_set_during_the_invocation_only(cloud, write_handler):
    code = """
import os
def lambda_handler(event, context):
    names = ["foo", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "_HANDLER",
             "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_EXECUTION_ENV", "_X_AMZN_TRACE_ID"]
    return {name: os.getenv(name) for name in names}
"""
    cloud.create_function("env", code=write_handler(code), environment={"foo": "bar"}, memory_size=512)
    seen = cloud.invoke("env", {}).payload
    assert seen["foo"] == "bar"
    assert seen["AWS_LAMBDA_FUNCTION_NAME"] == "env"
    assert seen["AWS_REGION"] == "us-east-1"
    assert seen["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert seen["_HANDLER"] == "lambda_function.lambda_handler"
    assert seen["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert seen["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/env"
    assert seen["AWS_EXECUTION_ENV"].startswith("AWS_Lambda_python")
    assert seen["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert "foo" not in os.environ and "AWS_LAMBDA_FUNCTION_NAME" not in os.environ



ENVIRONMENT_SEEN = """
import os
def lambda_handler(event, context):
    seen = {name: os.getenv(name) for name in ("foo", "only_b", "MARK", "_X_AMZN_TRACE_ID", "AWS_LAMBDA_FUNCTION_NAME")}
    if os.getenv("only_b"):  # b changes its environment; undone: in AWS it touched only its own process
        os.environ["MARK"] = "left by b"
        os.environ.pop("AWS_LAMBDA_FUNCTION_NAME")
    return seen
"""


def test_scheduled_runs_in_one_advance_each_see_their_own_variables_and_the_notebook_none(cloud, write_handler):
    cloud.create_function("a", code=write_handler(ENVIRONMENT_SEEN, folder="a"), environment={"foo": "from a"})
    cloud.create_function("b", code=write_handler(ENVIRONMENT_SEEN, folder="b"), environment={"only_b": "yes"})
    cloud.schedule("a-every-minute", "rate(1 minute)", "a")
    cloud.schedule("b-every-minute", "rate(1 minute)", "b")
    seen_by_an_observer = []  # a widget redrawn after each invocation is the notebook's code
    cloud.subscribe(lambda: seen_by_an_observer.append(os.getenv("AWS_LAMBDA_FUNCTION_NAME")))
    cloud.advance(minutes=5)
    assert len(seen_by_an_observer) > 10 and set(seen_by_an_observer) == {None}
    seen = [run.payload for run in cloud.invocations]
    assert sorted(run.function for run in cloud.invocations) == ["a"] * 5 + ["b"] * 5
    for run, s in zip(cloud.invocations, seen):
        assert s["AWS_LAMBDA_FUNCTION_NAME"] == run.function
        assert (s["foo"], s["only_b"]) == {"a": ("from a", None), "b": (None, "yes")}[run.function]
    assert all(s["MARK"] is None for s in seen)  # no run sees what an earlier one left
    assert len({s["_X_AMZN_TRACE_ID"] for s in seen}) == 10  # a trace header of its own each
    for name in ("foo", "only_b", "MARK", "_X_AMZN_TRACE_ID", "AWS_LAMBDA_FUNCTION_NAME"):
        assert name not in os.environ, f"{name} stayed in the notebook's environment after advance()"


def test_runs_of_one_function_in_a_batch_keep_seeing_its_variables(cloud, write_handler):
    code = """
import os
def lambda_handler(event, context):
    return os.environ["foo"], os.environ["_X_AMZN_TRACE_ID"]
"""
    cloud.create_function("steady", code=write_handler(code), environment={"foo": "bar"})
    cloud.schedule("every-minute", "rate(1 minute)", "steady")
    cloud.advance(hours=1)
    seen = [run.payload for run in cloud.invocations]
    assert len(seen) == 60 and all(foo == "bar" for foo, _ in seen)
    assert len({trace for _, trace in seen}) == 60
    assert "foo" not in os.environ and "_X_AMZN_TRACE_ID" not in os.environ


def test_a_function_invoked_by_a_scheduled_one_sees_its_own_variables_and_its_caller_gets_its_back(
        cloud, write_handler):
    caller = """
import json, os
import boto3
def lambda_handler(event, context):
    answer = boto3.client("lambda", region_name="us-east-1").invoke(FunctionName="callee", Payload=b"{}")
    return os.getenv("foo"), json.loads(answer["Payload"].read())
"""
    callee = """
import os
def lambda_handler(event, context):
    return os.getenv("foo")
"""
    cloud.create_function("caller", code=write_handler(caller, folder="caller"), environment={"foo": "caller's"})
    cloud.create_function("callee", code=write_handler(callee, folder="callee"), environment={"foo": "callee's"})
    cloud.schedule("every-minute", "rate(1 minute)", "caller")
    cloud.advance(minutes=3)
    calls = [run.payload for run in cloud.invocations if run.function == "caller"]
    assert calls == [["caller's", "callee's"]] * 3
    assert "foo" not in os.environ


def test_a_handler_edited_between_two_advances_runs_its_new_code_and_one_advance_reads_it_once(
        cloud, write_handler, monkeypatch):
    from emulator.runtime import environment
    folder = write_handler("def lambda_handler(event, context):\n    return 'first'\n")
    cloud.create_function("edited", code=folder)
    cloud.schedule("every-minute", "rate(1 minute)", "edited")
    reads = []
    read_fingerprint = environment._read_fingerprint
    monkeypatch.setattr(environment, "_read_fingerprint", lambda *args: reads.append(args) or read_fingerprint(*args))
    cloud.advance(hours=1)
    # sixty runs: the folder looked at once as the environment started, its loaded files once after
    assert [files for _, files in reads] == [[], [str(folder / "lambda_function.py")]]
    (folder / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return 'second'\n")
    cloud.advance(minutes=2)
    assert [run.payload for run in cloud.invocations[-3:]] == ["first", "second", "second"]


def test_print_and_logging_become_log_lines_framed_by_start_end_report(cloud, write_handler):
    code = """
import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)
print("loading function")

def lambda_handler(event, context):
    print("value1 =", event["key1"])
    logger.info("processed %s", event["key1"])
    logger.debug("not shown at INFO level")
    return "ok"
"""
    cloud.create_function("logs", code=write_handler(code), memory_size=128)
    result = cloud.invoke("logs", {"key1": "v"})
    lines = result.logs.splitlines()
    rid = result.request_id
    assert lines[0] == "loading function"  # Init output comes before START, as in CloudWatch
    assert lines[1] == f"START RequestId: {rid} Version: $LATEST"
    assert "value1 = v" in result.logs
    assert re.search(rf"^\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{rid}\tprocessed v$", result.logs, re.M)
    assert "not shown" not in result.logs
    assert lines[-2] == f"END RequestId: {rid}"
    assert re.fullmatch(rf"REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
                        rf"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t", lines[-1])
    assert result.billed_duration_ms >= result.duration_ms
    cloud.invoke("logs", {"key1": "w"})
    assert cloud.logs("logs").count("START RequestId") == 2 and "value1 = w" in cloud.logs("logs")


def test_context_log_writes_to_the_function_log(cloud, write_handler):
    cloud.create_function("ctxlog", code=write_handler("def lambda_handler(e, c):\n    c.log('direct line\\n')\n"))
    assert "direct line" in cloud.invoke("ctxlog", {}).logs


def test_output_of_other_threads_does_not_enter_the_log(cloud, write_handler, capsys):
    cloud.create_function("quiet", code=write_handler("def lambda_handler(e, c):\n    print('inside')\n"))
    result = cloud.invoke("quiet", {})
    print("outside")
    assert "outside" not in result.logs and "outside" in capsys.readouterr().out


def test_an_unhandled_exception_gives_the_aws_error_envelope(cloud, write_handler):
    code = "def lambda_handler(event, context):\n    raise ValueError('number1 is missing')\n"
    cloud.create_function("fails", code=write_handler(code))
    result = cloud.invoke("fails", {})
    assert result.payload is None
    assert set(result.error) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert result.error["errorType"] == "ValueError"
    assert result.error["errorMessage"] == "number1 is missing"
    assert result.error["requestId"] == result.request_id
    assert len(result.error["stackTrace"]) == 1 and "lambda_function.py" in result.error["stackTrace"][0]
    assert "emulator" not in "".join(result.error["stackTrace"])
    assert "[ERROR] ValueError: number1 is missing\nTraceback (most recent call last):" in result.logs


@pytest.mark.parametrize("files, handler, error_type, message", [
    ({"lambda_function.py": "def other(e, c):\n    pass\n"}, "lambda_function.lambda_handler",
     "Runtime.HandlerNotFound", "Handler 'lambda_handler' missing on module 'lambda_function'"),
    ({"lambda_function.py": "import requests_not_installed\n"}, "lambda_function.lambda_handler",
     "Runtime.ImportModuleError",
     "Unable to import module 'lambda_function': No module named 'requests_not_installed'"),
    ({"other.py": "x = 1\n"}, "lambda_function.lambda_handler",
     "Runtime.ImportModuleError", "Unable to import module 'lambda_function': No module named 'lambda_function'"),
    ({"lambda_function.py": "def lambda_handler(e, c)\n    return 1\n"}, "lambda_function.lambda_handler",
     "Runtime.UserCodeSyntaxError", "Syntax error in module 'lambda_function': expected ':'"),
    ({"lambda_function.py": "def lambda_handler(e, c):\n    return 1\n"}, "lambda_handler",
     "Runtime.MalformedHandlerName", "Bad handler 'lambda_handler': not enough values to unpack"),
    ({"lambda_function.py": "def lambda_handler(e, c):\n    return {1, 2}\n"}, "lambda_function.lambda_handler",
     "Runtime.MarshalError", "Unable to marshal response: Object of type set is not JSON serializable"),
    ({"lambda_function.py": "def lambda_handler(e, c):\n    return 'x' * 6_400_000\n"},
     "lambda_function.lambda_handler", "Function.ResponseSizeTooLarge",
     "Response payload size exceeded maximum allowed payload size (6291556 bytes)."),
])
def test_runtime_errors_use_the_aws_types_and_messages(cloud, tmp_path, files, handler, error_type, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    cloud.create_function("broken", handler=handler, code=tmp_path)
    result = cloud.invoke("broken", {})
    assert result.error["errorType"] == error_type
    assert result.error["errorMessage"].startswith(message)
    assert f"[ERROR] {error_type}" in result.logs


def test_a_failed_init_is_retried_on_the_next_invocation(cloud, write_handler):
    folder = write_handler("raise RuntimeError('database unreachable')\n")
    cloud.create_function("init_fails", code=folder)
    first = cloud.invoke("init_fails", {})
    assert first.error["errorType"] == "RuntimeError" and first.cold_start
    assert cloud.invoke("init_fails", {}).cold_start


def test_a_timeout_is_reported_like_aws_and_the_environment_is_discarded(cloud, write_handler):
    code = "import time\ncalls = 0\ndef lambda_handler(e, c):\n    global calls\n    calls += 1\n" \
           "    time.sleep(e.get('sleep', 0))\n    return calls\n"
    cloud.create_function("slow", code=write_handler(code), timeout=3)
    assert cloud.invoke("slow", {}).payload == 1
    result = cloud.invoke("slow", {"sleep": 5})
    assert result.error["errorType"] == "Sandbox.Timedout"
    assert result.error["errorMessage"] == f"RequestId: {result.request_id} Error: Task timed out after 3.00 seconds"
    assert f"{result.request_id} Task timed out after 3.00 seconds" in result.logs
    assert 3000 <= result.duration_ms < 3100
    after = cloud.invoke("slow", {})
    assert after.cold_start and after.payload == 1  # a new environment: module state starts again


def test_a_busy_loop_is_stopped_at_the_timeout(cloud, write_handler):
    cloud.create_function("spin", code=write_handler("def lambda_handler(e, c):\n    while True:\n        pass\n"),
                          timeout=1)
    started = time.perf_counter()
    result = cloud.invoke("spin", {})
    assert result.error["errorType"] == "Sandbox.Timedout"
    assert time.perf_counter() - started < 5


def test_a_timeout_in_another_thread_is_enforced_by_the_watchdog(cloud, write_handler):
    cloud.create_function("spin", code=write_handler("def lambda_handler(e, c):\n    while True:\n        pass\n"),
                          timeout=1)
    results = []
    worker = threading.Thread(target=lambda: results.append(cloud.invoke("spin", {})))
    worker.start()
    worker.join(10)
    assert not worker.is_alive()
    assert results[0].error["errorType"] == "Sandbox.Timedout"


@pytest.fixture
def without_signals_or_threads(monkeypatch):
    """The runtime as in Pyodide: no SIGALRM timer and no thread to raise from, so the deadline check."""
    monkeypatch.setattr(interrupts, "alarm_usable", lambda: False)
    monkeypatch.setattr(interrupts, "THREADS_AVAILABLE", False)


def test_without_signals_or_threads_a_busy_loop_is_stopped_by_the_deadline_check(
        cloud, write_handler, without_signals_or_threads):
    code = "def spin(n):\n    return n + 1\ndef lambda_handler(e, c):\n    n = 0\n    while True:\n        n = spin(n)\n"
    cloud.create_function("spin", code=write_handler(code), timeout=1)
    started = time.perf_counter()
    result = cloud.invoke("spin", {})
    assert result.error["errorType"] == "Sandbox.Timedout"
    assert time.perf_counter() - started < 5
    assert sys.gettrace() is None  # the check is gone once the invocation ends
    assert cloud.invoke("spin", {}).error["errorType"] == "Sandbox.Timedout"  # and comes back for the next


def test_without_signals_or_threads_a_handler_that_returns_in_time_is_not_stopped(
        cloud, write_handler, without_signals_or_threads):
    code = "def lambda_handler(e, c):\n    return sum(i * i for i in range(200000))\n"
    cloud.create_function("busy", code=write_handler(code), timeout=30)
    assert cloud.invoke("busy", {}).payload == sum(i * i for i in range(200000))


def test_an_except_exception_clause_cannot_swallow_the_timeout(cloud, write_handler):
    code = "import time\ndef lambda_handler(e, c):\n    try:\n        time.sleep(10)\n    except Exception:\n" \
           "        return 'swallowed'\n"
    cloud.create_function("swallow", code=write_handler(code), timeout=1)
    assert cloud.invoke("swallow", {}).error["errorType"] == "Sandbox.Timedout"


@pytest.mark.parametrize("options, message", [
    ({"timeout": 0}, "timeout 0 is out of range: Lambda allows 1 to 900 seconds"),
    ({"timeout": 901}, "timeout 901 is out of range"),
    ({"memory_size": 127}, "memory_size 127 is out of range: Lambda allows 128 to 10240 MB"),
    ({"memory_size": 10241}, "memory_size 10241 is out of range"),
    ({"handler": "lambda function.handler"}, "handler 'lambda function.handler' is invalid"),
    ({"environment": {"AWS_REGION": "x"}}, "environment variable 'AWS_REGION' is reserved by Lambda"),
    ({"environment": {"1bad": "x"}}, "environment variable name '1bad' is invalid"),
    ({"environment": {"COUNT": 3}}, "environment variable COUNT must be a string"),
    ({"name": "has space"}, "function name 'has space' is invalid"),
])
def test_create_function_validates_like_the_lambda_api(cloud, write_handler, options, message):
    arguments = {"name": "fn", "code": write_handler(ECHO), **options}
    with pytest.raises(InvalidParameterValueException, match=re.escape(message)):
        cloud.create_function(**arguments)


def test_a_missing_code_path_is_named(cloud, tmp_path):
    with pytest.raises(InvalidParameterValueException, match="does-not-exist.*does not exist"):
        cloud.create_function("fn", code=tmp_path / "does-not-exist")


def test_invoking_an_unknown_function_names_it(cloud, write_handler):
    cloud.create_function("known", code=write_handler(ECHO))
    with pytest.raises(ResourceNotFoundException, match="'unknown'.*known"):
        cloud.invoke("unknown", {})


def test_payload_limits(cloud, write_handler):
    cloud.create_function("echo", code=write_handler(ECHO))
    with pytest.raises(RequestTooLargeException, match="6,291,456 bytes"):
        cloud.invoke("echo", {"key1": "x" * (6 * 1024 * 1024)})
    with pytest.raises(RequestTooLargeException, match="1,048,576 bytes"):
        cloud.invoke("echo", {"key1": "x" * (1024 * 1024)}, invocation_type="Event")
    with pytest.raises(InvalidParameterValueException, match="not JSON serializable"):
        cloud.invoke("echo", {"key1": object()})


def test_invocations_are_recorded(cloud, write_handler):
    cloud.create_function("echo", code=write_handler(ECHO))
    cloud.invoke("echo", {"key1": 1})
    cloud.invoke("echo", {})
    ok, failed = cloud.invocations
    assert (ok.function, ok.trigger, ok.error) == ("echo", "invoke", None)
    assert failed.error["errorType"] == "KeyError"
    assert ok.time == cloud.clock.now() and ok.duration_ms > 0


def test_stopping_the_cloud_restores_the_process(write_handler):
    import signal
    os.environ["AWS_PROFILE"] = "student-profile"
    handler_before = signal.getsignal(signal.SIGALRM)
    try:
        with LocalCloud() as cloud:
            assert "AWS_PROFILE" not in os.environ
            assert os.environ["AWS_ACCESS_KEY_ID"] in ("testing", "FOOBARKEY")  # ours, or moto's own fake
        assert os.environ["AWS_PROFILE"] == "student-profile"
        assert time.sleep.__module__ == "time"
        assert signal.getsignal(signal.SIGALRM) is handler_before
    finally:
        del os.environ["AWS_PROFILE"]


def test_work_at_module_level_is_init_time(cloud, write_handler):
    code = "import time\ntime.sleep(2)  # e.g. loading a model\ndef lambda_handler(e, c):\n    return 'ok'\n"
    cloud.create_function("heavy_init", code=write_handler(code), timeout=5)
    cold, warm = cloud.invoke("heavy_init", {}), cloud.invoke("heavy_init", {})
    assert cold.init_duration_ms >= 2000 and cold.duration_ms < 500
    assert warm.init_duration_ms is None and warm.duration_ms < 500
    assert re.search(r"Init Duration: 2\d{3}\.\d\d ms", cold.logs)


def test_invocations_that_overlap_on_the_virtual_clock_each_get_an_environment(cloud, write_handler):
    code = "import time\ndef lambda_handler(e, c):\n    time.sleep(1)\n    return e\n"
    cloud.create_function("busy", code=write_handler(code))
    for n in range(5):
        cloud.invoke("busy", {"n": n}, invocation_type="Event")
    cloud.advance(seconds=0.5)
    assert [run.cold_start for run in cloud.invocations] == [True] * 5  # five at once: five environments
    cloud.advance(seconds=2)
    cloud.invoke("busy", {"n": 5}, invocation_type="Event")
    cloud.advance(seconds=1)
    assert cloud.invocations[-1].cold_start is False  # later, a warm one is reused


def test_a_nested_call_starts_when_the_caller_reaches_it(cloud, write_handler):
    caller = ("import json, time, boto3\ndef lambda_handler(e, c):\n    time.sleep(0.5)\n"
              "    boto3.client('lambda').invoke(FunctionName='callee', Payload=b'{}')\n    return 'ok'\n")
    cloud.create_function("callee", code=write_handler("def lambda_handler(e, c):\n    return 1\n", folder="callee"))
    cloud.create_function("caller", code=write_handler(caller, folder="caller"))
    cloud.invoke("caller", {})
    callee, outer = cloud.invocations
    offset = (callee.time - outer.time).total_seconds() * 1000
    assert 500 <= offset <= outer.duration_ms + outer.init_duration_ms  # within the caller's run, after its sleep
