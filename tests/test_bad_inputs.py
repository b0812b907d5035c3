"""Careless inputs: each gets an error that names the culprit and what to write instead, at the line
that made the mistake, with the exception AWS's API would raise where there is one (issue 16).

Every case asserts what the user sees: the exception's type and words of its message. A case whose
behaviour is AWS's own, rather than a defect, says so in its docstring.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from emulator.runtime import InvalidParameterValueException, RequestTooLargeException, ResourceNotFoundException
from emulator.triggers.schedules import InvalidScheduleExpression, ValidationException

HANDLER = "def lambda_handler(event, context):\n    return event\n"
OTHER_HANDLER = "def lambda_handler(event, context):\n    return 'other'\n"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/scheduler"


def deeply_nested(levels: int) -> list:
    event: list = []
    for _ in range(levels):
        event = [event]
    return event


@pytest.fixture
def code(write_handler):
    return write_handler(HANDLER)


@pytest.fixture
def worker(cloud, code):
    cloud.create_function("worker", code=code)
    cloud.create_queue("jobs")
    return cloud


# -- the cloud's methods: a wrong type or range names the argument and what to write ----------------

WRONG_ARGUMENTS = [
    ("create_queue", lambda c, code: c.create_queue("q", visibility_timeout="30"), "visibility_timeout=30"),
    ("create_queue", lambda c, code: c.create_queue("q", delay_seconds=1.5), "delay_seconds must be a whole number"),
    ("create_queue", lambda c, code: c.create_queue("q", message_retention_period=10), "message_retention_period 10"),
    ("create_queue", lambda c, code: c.create_queue(42), "the queue name must be a string"),
    ("create_queue", lambda c, code: c.create_queue("q", fifo="yes"), "fifo must be True or False"),
    ("create_queue", lambda c, code: c.create_queue("q", dead_letter_queue="dlq", max_receive_count="3"),
     "max_receive_count=3"),
    ("create_function", lambda c, code: c.create_function("f", code=code, timeout="3"), "timeout=3"),
    ("create_function", lambda c, code: c.create_function("f", code=code, timeout=True), "timeout must be a number"),
    ("create_function", lambda c, code: c.create_function("f", code=code, memory_size=256.0), "memory_size=256"),
    ("create_function", lambda c, code: c.create_function("f", code=code, environment=[("A", "1")]),
     "environment must be a dict"),
    ("create_function", lambda c, code: c.create_function("f", code=code, environment={"A": 1}),
     "environment variable A must be a string"),
    ("create_function", lambda c, code: c.create_function("f", code=42), "code must be the path of a folder"),
    ("create_function", lambda c, code: c.create_function(None, code=code), "the function name must be a string"),
    ("create_event_source_mapping", lambda c, code: c.create_event_source_mapping("jobs", "worker", batch_size="10"),
     "batch_size=10"),
    ("create_event_source_mapping", lambda c, code: c.create_event_source_mapping("jobs", "worker", batch_size=0),
     "batch_size 0 is out of range"),
    ("create_event_source_mapping",
     lambda c, code: c.create_event_source_mapping("jobs", "worker", maximum_batching_window=301),
     "maximum_batching_window 301 is out of range: Lambda allows 0 to 300 seconds"),
    ("create_event_source_mapping",
     lambda c, code: c.create_event_source_mapping("jobs", "worker", report_batch_item_failures="true"),
     "report_batch_item_failures must be True or False"),
    ("configure_async", lambda c, code: c.configure_async("worker", maximum_retry_attempts="1"),
     "maximum_retry_attempts=1"),
    ("configure_async", lambda c, code: c.configure_async("worker", maximum_event_age=30),
     "maximum_event_age 30 is out of range: Lambda allows 60 to 21600 seconds"),
    ("schedule", lambda c, code: c.schedule("r", "rate(1 minute)", "worker", enabled="no"), "enabled must be True or False"),
    ("invoke", lambda c, code: c.invoke(["worker"], {}), "the function name must be a string"),
    ("queue_url", lambda c, code: c.queue_url(None), "the queue must be a string"),
]


@pytest.mark.parametrize("method, call, words", WRONG_ARGUMENTS, ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(WRONG_ARGUMENTS)])
def test_a_wrong_argument_is_refused_naming_it(worker, code, method, call, words):
    with pytest.raises(InvalidParameterValueException, match=re.escape(words)):
        call(worker, code)


# -- queues -----------------------------------------------------------------------------------------

def test_a_second_create_queue_with_the_same_attributes_is_silent(cloud):
    """SQS's CreateQueue returns the existing queue's URL when every attribute asked for matches."""
    first = cloud.create_queue("jobs", visibility_timeout=60)
    assert cloud.create_queue("jobs", visibility_timeout=60) == first


def test_a_second_create_queue_with_another_attribute_names_the_queue_and_the_attribute(cloud):
    cloud.create_queue("jobs", visibility_timeout=60)
    with pytest.raises(ClientError) as raised:
        cloud.create_queue("jobs")  # visibility_timeout 30, the default
    error = raised.value.response["Error"]
    assert type(raised.value).__name__ == "QueueNameExists" and error["Code"] == "QueueAlreadyExists"
    assert error["Message"].startswith(
        "A queue already exists with the same name and a different value for attribute VisibilityTimeout")
    assert "queue 'jobs' has VisibilityTimeout 60, this request asks for 30" in error["Message"]


def test_plain_boto3_gets_the_same_answer(cloud):
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.create_queue(QueueName="jobs", Attributes={"DelaySeconds": "5"})
    with pytest.raises(sqs.exceptions.QueueNameExists, match="attribute DelaySeconds: queue 'jobs' has DelaySeconds 5"):
        sqs.create_queue(QueueName="jobs", Attributes={"DelaySeconds": "6"})


# -- functions: a re-run cell is silent, a changed one says it replaced the function -----------------

def test_creating_the_same_function_again_is_silent(cloud, code, capsys):
    cloud.create_function("worker", code=code, timeout=5)
    (code / "lambda_function.py").write_text(HANDLER)  # what a re-run %%lambda cell does: the same text again
    cloud.create_function("worker", code=code, timeout=5)
    assert capsys.readouterr().out == ""


def test_other_code_replaces_the_function_and_says_so(cloud, code, capsys):
    cloud.create_function("worker", code=code)
    (code / "lambda_function.py").write_text(OTHER_HANDLER)
    cloud.create_function("worker", code=code, timeout=10)
    assert capsys.readouterr().out == "Replaced function 'worker' (changed: timeout 3 -> 10, code).\n"
    assert cloud.invoke("worker", {}).payload == "other"


# -- schedules and rule names, through the cloud and through boto3 ---------------------------------

def test_an_invalid_rule_name_is_refused_by_cloud_schedule(worker):
    with pytest.raises(ValidationException, match=re.escape(
            "Value 'every minute' at 'name' failed to satisfy constraint: Member must satisfy regular expression "
            "pattern: [\\.\\-_A-Za-z0-9]+") + ".*write e.g. 'every-minute'"):
        worker.schedule("every minute", "rate(1 minute)", "worker")
    with pytest.raises(ValidationException, match="length less than or equal to 64"):
        worker.schedule("r" * 65, "rate(1 minute)", "worker")


@pytest.mark.parametrize("expression, words", [
    ("rate(0 minutes)", 'the value "0" is not a positive whole number'),
    ("rate(1 minutes)", "a value of 1 needs the singular unit: rate(1 minute)"),
    ("rate(2 minute)", "a value of 2 needs the plural unit: rate(2 minutes)"),
    ("cron(0 12 * * *)", "AWS cron has 6 fields"),
    ("cron(0 12 * * MON *)", "cannot both be set"),
    ("every 5 minutes", "this is not a schedule expression"),
])
def test_an_invalid_expression_is_refused_when_the_rule_is_created(worker, expression, words):
    with pytest.raises(InvalidScheduleExpression, match=re.escape(words)):
        worker.schedule("rule", expression, "worker")
    events = boto3.client("events", region_name="us-east-1")
    with pytest.raises(events.exceptions.ClientError) as raised:
        events.put_rule(Name="rule", ScheduleExpression=expression)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["Error"]["Message"].startswith("Parameter ScheduleExpression is not valid.")
    assert words in raised.value.response["Error"]["Message"]
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    with pytest.raises(scheduler.exceptions.ValidationException, match=re.escape(
            f"Invalid Schedule Expression {expression}.") + ".*" + re.escape(words)):
        scheduler.create_schedule(Name="s", ScheduleExpression=expression, FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": worker.function_arn("worker"), "RoleArn": SCHEDULER_ROLE})
    worker.advance(hours=1)  # nothing was stored that could fail later
    assert worker.invocations == []


def test_put_rule_refuses_a_bad_name_and_an_at_schedule(worker):
    """EventBridge rules take rate() and cron() only; one-time at() schedules are EventBridge Scheduler's."""
    events = boto3.client("events", region_name="us-east-1")
    with pytest.raises(ClientError, match="Value 'every minute' at 'name' failed to satisfy constraint"):
        events.put_rule(Name="every minute", ScheduleExpression="rate(1 minute)")
    with pytest.raises(ClientError, match="Parameter ScheduleExpression is not valid.*at\\(\\) is for EventBridge Scheduler"):
        events.put_rule(Name="once", ScheduleExpression="at(2030-01-01T00:00:00)")
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    with pytest.raises(scheduler.exceptions.ValidationException, match="Value 'every minute' at 'name'"):
        scheduler.create_schedule(Name="every minute", ScheduleExpression="rate(1 minute)",
                                  FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": worker.function_arn("worker"), "RoleArn": SCHEDULER_ROLE})
    assert events.list_rules()["Rules"] == []


def test_a_good_rule_made_with_boto3_still_fires(worker):
    events = boto3.client("events", region_name="us-east-1")
    events.put_rule(Name="every.minute_1", ScheduleExpression="rate(1 minute)")
    events.put_targets(Rule="every.minute_1", Targets=[{"Id": "1", "Arn": worker.function_arn("worker")}])
    worker.advance(minutes=2)
    assert len(worker.invocations) == 2


def test_an_input_that_is_not_json_is_refused_when_the_rule_is_created(worker):
    with pytest.raises(ValidationException, match="the input of rule 'r' cannot be sent as JSON"):
        worker.schedule("r", "rate(1 minute)", "worker", input={"when": object()})


# -- deeply nested events ---------------------------------------------------------------------------

def test_a_deeply_nested_python_event_is_refused_clearly(worker):
    for invocation_type in ("RequestResponse", "Event"):
        with pytest.raises(InvalidParameterValueException, match="the event is nested too deeply to be turned into JSON"):
            worker.invoke("worker", deeply_nested(5000), invocation_type=invocation_type)


def test_deeply_nested_bytes_through_boto3_get_the_runtimes_unmarshal_error(worker):
    """Lambda accepts the bytes; its Python runtime cannot decode them (awslambdaric: Runtime.UnmarshalError,
    "Unable to unmarshal input: " and the decoder's message)."""
    payload = b"[" * 5000 + b"]" * 5000
    response = boto3.client("lambda", region_name="us-east-1").invoke(FunctionName="worker", Payload=payload)
    error = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.UnmarshalError"
    assert error["errorMessage"].startswith("Unable to unmarshal input: maximum recursion depth exceeded")
    assert "[ERROR] Runtime.UnmarshalError" in worker.invocations[-1].logs


def test_deeply_nested_bytes_sent_asynchronously_fail_like_any_event(worker):
    """The event is accepted (202), fails in the runtime, and ends in the dropped list like any failed event."""
    worker.configure_async("worker", maximum_retry_attempts=0)
    boto3.client("lambda", region_name="us-east-1").invoke(
        FunctionName="worker", Payload=b"[" * 5000 + b"]" * 5000, InvocationType="Event")
    worker.run_until_idle()
    assert worker.invocations[-1].error["errorType"] == "Runtime.UnmarshalError"
    assert worker.async_queue.dropped[0]["requestPayload"].startswith("[[[")


def test_deeply_nested_bytes_too_large_are_refused_for_their_size(worker):
    with pytest.raises(RequestTooLargeException, match="at most 1,048,576 bytes"):
        worker.invoke_raw("worker", b"[" * 600_000 + b"]" * 600_000, "Event")


# -- time -------------------------------------------------------------------------------------------

def test_advance_backwards_says_how_much_and_what_to_write(cloud):
    with pytest.raises(ValueError, match=re.escape("advance() moves time forward only (got -90 seconds): pass a positive "
                                                   "amount, e.g. cloud.advance(minutes=5)")):
        cloud.advance(minutes=-1.5)


def test_an_unknown_function_or_queue_is_named_with_the_ones_that_exist(worker):
    with pytest.raises(ResourceNotFoundException, match="Function not found: 'wroker' \\(functions in this cloud: worker\\)"):
        worker.invoke("wroker", {})
    with pytest.raises(ResourceNotFoundException, match="queue 'jbos' does not exist \\(queues in this cloud: jobs\\)"):
        worker.create_event_source_mapping("jbos", "worker")


# -- templates: a list or a string where a mapping belongs names the resource and the property path ----

def sam_template() -> dict:
    """A template with a bit of everything a malformation can break (code in src/)."""
    return {
        "Transform": "AWS::Serverless-2016-10-31",
        "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
        "Conditions": {"IsDev": {"Fn::Equals": [{"Ref": "Stage"}, "dev"]}},
        "Mappings": {"Sizes": {"dev": {"Memory": 128}}},
        "Globals": {"Function": {"Timeout": 5}},
        "Resources": {
            "Jobs": {"Type": "AWS::SQS::Queue"},
            "Api": {"Type": "AWS::Serverless::Api", "Properties": {
                # SAM accepts a route's Authorizer NONE only on an API with a DefaultAuthorizer.
                "StageName": "dev", "Auth": {"DefaultAuthorizer": "Token", "Authorizers": {
                    "Token": {"FunctionArn": {"Fn::GetAtt": ["Echo", "Arn"]}}}}}},
            "Echo": {"Type": "AWS::Serverless::Function", "Properties": {
                "CodeUri": "src", "Handler": "lambda_function.lambda_handler", "Runtime": "python3.12",
                "Environment": {"Variables": {"STAGE": {"Ref": "Stage"}}},
                "EventInvokeConfig": {"MaximumRetryAttempts": 1,
                                      "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": {
                                          "Fn::GetAtt": ["Jobs", "Arn"]}}}},
                "Events": {
                    "Tick": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}},
                    "Work": {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["Jobs", "Arn"]},
                                                           "FunctionResponseTypes": ["ReportBatchItemFailures"]}},
                    "Get": {"Type": "Api", "Properties": {"Path": "/", "Method": "get",
                                                          "RestApiId": {"Ref": "Api"}, "Auth": {"Authorizer": "NONE"}}},
                }}},
        },
    }


def _set(path: str, value):
    """A change to sam_template(): the value at a dotted path (keys of nested mappings)."""
    def change(template: dict) -> None:
        *parents, last = path.split(".")
        node = template
        for key in parents:
            node = node[key]
        node[last] = value
    return change


ECHO = "Resources.Echo.Properties"
MALFORMED_TEMPLATES = [
    (f"{ECHO}.Events", ["Tick"], f"{ECHO}.Events: must be a mapping"),
    (f"{ECHO}.Events", "Tick", f"{ECHO}.Events: must be a mapping of names to values (indented 'Name: value' lines), not a string"),
    (f"{ECHO}.Events.Tick", "rate(1 hour)", f"{ECHO}.Events.Tick: must be a mapping"),
    (f"{ECHO}.Events.Tick", ["Schedule"], f"{ECHO}.Events.Tick: must be a mapping"),
    (f"{ECHO}.Events.Tick.Properties", ["rate(1 hour)"], f"{ECHO}.Events.Tick.Properties: must be a mapping"),
    (f"{ECHO}.Events.Get.Properties", "/", f"{ECHO}.Events.Get.Properties: must be a mapping"),
    (f"{ECHO}.Events.Get.Properties.Auth", "NONE", f"{ECHO}.Events.Get.Properties.Auth: must be a mapping"),
    (f"{ECHO}.Events.Work.Properties.FunctionResponseTypes", "ReportBatchItemFailures",
     f"{ECHO}.Events.Work.Properties.FunctionResponseTypes: must be a list"),
    ("Resources.Echo.Properties", ["CodeUri: src"], f"{ECHO}: must be a mapping"),
    (f"{ECHO}.Environment", ["STAGE=dev"], f"{ECHO}.Environment: must be a mapping"),
    (f"{ECHO}.Environment", "STAGE=dev", f"{ECHO}.Environment: must be a mapping"),
    (f"{ECHO}.Environment.Variables", ["STAGE"], f"{ECHO}.Environment.Variables: must be a mapping"),
    (f"{ECHO}.Environment.Variables", "STAGE=dev", f"{ECHO}.Environment.Variables: must be a mapping of names to values"),
    (f"{ECHO}.EventInvokeConfig", [1], f"{ECHO}.EventInvokeConfig: must be a mapping"),
    (f"{ECHO}.EventInvokeConfig.DestinationConfig", "Jobs", f"{ECHO}.EventInvokeConfig.DestinationConfig: must be"),
    (f"{ECHO}.EventInvokeConfig.DestinationConfig.OnFailure", ["SQS"],
     f"{ECHO}.EventInvokeConfig.DestinationConfig.OnFailure: must be a mapping"),
    ("Globals", ["Function"], "Globals: must be a mapping"),
    ("Globals.Function", "Timeout: 5", "Globals.Function: must be a mapping"),
    ("Parameters", ["Stage"], "Parameters: must be a mapping"),
    ("Parameters.Stage", "dev", "Parameters.Stage: must be a mapping"),
    ("Conditions", ["IsDev"], "Conditions: must be a mapping"),
    ("Mappings", "Sizes", "Mappings: must be a mapping"),
    ("Resources.Api.Properties.Auth", ["Token"], "Resources.Api.Properties.Auth: must be a mapping"),
    ("Resources.Api.Properties.Auth.Authorizers", "Token", "Resources.Api.Properties.Auth.Authorizers: must be"),
    ("Resources.Api.Properties.Auth.Authorizers.Token", "Echo", "Resources.Api.Properties.Auth.Authorizers.Token: must"),
    ("Resources.Api.Properties.Cors", ["*"], "Resources.Api.Properties.Cors: must be a mapping"),
    ("Resources.Jobs.Properties", "VisibilityTimeout: 30", "Resources.Jobs.Properties: must be a mapping"),
    (f"{ECHO}.Events.Get.Properties.RestApiId", ["Api"], f"{ECHO}.Events.Get.Properties.RestApiId: must be !Ref"),
]


@pytest.mark.parametrize("path, value, words", MALFORMED_TEMPLATES,
                         ids=[f"{path.removeprefix(ECHO + '.')}={type(value).__name__}" for path, value, _ in MALFORMED_TEMPLATES])
def test_a_malformed_template_names_the_resource_and_the_property(tmp_path, path, value, words):
    from emulator import LocalCloud
    from emulator.templates.sam import TemplateError

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lambda_function.py").write_text(HANDLER)
    template = sam_template()
    _set(path, value)(template)
    (tmp_path / "template.yaml").write_text(json.dumps(template))  # JSON is YAML
    with pytest.raises(TemplateError, match=re.escape(words)):
        LocalCloud.from_template(tmp_path / "template.yaml").stop()


def test_the_unbroken_template_loads(tmp_path):
    from emulator import LocalCloud

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lambda_function.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(json.dumps(sam_template()))
    with LocalCloud.from_template(tmp_path / "template.yaml") as cloud:
        assert cloud.template.functions == ["Echo"] and len(cloud.template.schedules) == 1


# -- batch grading: one broken notebook is a note in its row; the batch goes on ------------------------

COURSE = Path(__file__).resolve().parent / "fixtures" / "course"
BROKEN_NOTEBOOKS = {
    "number_in_source": ({"cells": [{"cell_type": "code", "source": ["%%lambda echo\n", 5]}], "nbformat": 4},
                         "cell 1's source holds 5 (a int), where only text belongs"),
    "worksheets_text": ({"worksheets": "cells", "nbformat": 3}, "'worksheets' is a str, not a list of worksheets"),
    "worksheet_text": ({"worksheets": ["cells"], "nbformat": 3}, "worksheet 1 is a str, not an object with 'cells'"),
    "cells_mapping": ({"cells": {"0": {}}, "nbformat": 4}, "'cells' is a dict, not a list of cells"),
    "cell_text": ({"cells": ["%%lambda echo"], "nbformat": 4}, "cell 1 is a str, not an object"),
    "no_cells": ({"metadata": {}, "nbformat": 4}, "it has no 'cells'"),
    "a_list": ([1, 2], "it is a list, not an object with 'cells'"),
    "not_json": ("{'cells': []}", "is not valid JSON (line 1, column 2"),
    "empty": ("", "is empty: was it saved completely?"),
    "deep": ("[" * 100_000, "is not valid JSON (maximum recursion depth exceeded"),
}


def run_grader(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *arguments], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], timeout=600)


def test_a_batch_notes_each_broken_notebook_and_grades_the_rest(tmp_path):
    submissions, out = tmp_path / "submissions", tmp_path / "grades"
    submissions.mkdir()
    shutil.copy(COURSE / "solutions" / "01_echo.ipynb", submissions / "good.ipynb")
    for student, (content, _) in BROKEN_NOTEBOOKS.items():
        (submissions / f"{student}.ipynb").write_text(content if isinstance(content, str) else json.dumps(content))
    completed = run_grader("grade", str(submissions), "--out", str(out), "--solutions", str(COURSE / "solutions"),
                           "--workers", "1", "--timeout", "30")
    assert completed.returncode == 0, completed.stderr
    with (out / "gradebook.csv").open() as file:
        rows = {row["student"]: row for row in csv.DictReader(file)}
    assert (rows["good"]["total"], rows["good"]["max_total"]) == ("6", "6")
    for student, (_, words) in BROKEN_NOTEBOOKS.items():
        assert rows[student]["total"] == "0" and rows[student]["notes"].startswith(f"{student}.ipynb ")
        assert words in rows[student]["notes"], rows[student]["notes"]


def test_a_folder_without_a_notebook_at_its_top_says_what_it_found(tmp_path):
    (tmp_path / "alice").mkdir()
    shutil.copy(COURSE / "solutions" / "01_echo.ipynb", tmp_path / "alice" / "lab.ipynb")
    (tmp_path / "README.txt").write_text("submissions")
    completed = run_grader("grade", str(tmp_path), "--out", str(tmp_path / "grades"),
                           "--solutions", str(COURSE / "solutions"))
    assert completed.returncode == 2
    assert f"no .ipynb file at the top of {tmp_path} (found 1 notebook(s) in sub-folders, such as alice/lab.ipynb)" \
        in completed.stderr
    assert "put each student's notebook directly in the folder" in completed.stderr
    assert not (tmp_path / "grades" / "gradebook.csv").exists()


def test_a_solution_changed_during_grading_stops_the_batch_before_any_grade(tmp_path, monkeypatch, capsys):
    """What a handler that rewrites solutions/ would do, simulated: the grades are not written."""
    from grader import __main__ as grader_main
    from grader import grading

    solutions = tmp_path / "solutions"
    shutil.copytree(COURSE / "solutions", solutions)
    (tmp_path / "subs").mkdir()
    shutil.copy(COURSE / "labs" / "01_echo.ipynb", tmp_path / "subs" / "alice.ipynb")

    def grade_and_tamper(*arguments, **options):
        (solutions / "01_echo.ipynb").write_text("{}")
        return []

    monkeypatch.setattr(grading, "grade_folder", grade_and_tamper)
    status = grader_main.main(["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                               "--solutions", str(solutions)])
    assert status == 2
    assert "the solutions changed while grading (01_echo.ipynb in" in capsys.readouterr().err
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_unchanged_solutions_pass_the_check(tmp_path):
    from grader.grading import check_solutions_unchanged, solution_digests

    before = solution_digests(COURSE / "solutions")
    assert set(before) == {"01_echo.ipynb", "02_timetable.ipynb"}
    check_solutions_unchanged(COURSE / "solutions", before)


# -- more careless inputs: the CLI, the Lambda API, the clock, %%lambda lines, check() --------------------

def run_emulator(*arguments: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", *arguments], capture_output=True, text=True,
                          input=stdin, cwd=Path(__file__).resolve().parents[1], timeout=120)


@pytest.mark.parametrize("event, words", [
    ("", "is empty: write a JSON event there, e.g. {}"),
    ('{"a": 1,', "is not valid JSON: Expecting property name"),
    ("[" * 5000 + "]" * 5000, "is not valid JSON: it is nested too deeply for JSON"),
])
def test_cli_invoke_with_a_bad_event_file_says_what_is_wrong(tmp_path, event, words):
    (tmp_path / "lambda_function.py").write_text(HANDLER)
    (tmp_path / "event.json").write_text(event)
    completed = run_emulator("invoke", str(tmp_path / "lambda_function.py"), "--event", str(tmp_path / "event.json"))
    assert completed.returncode == 1 and "Traceback" not in completed.stderr
    assert f"error: the event in {tmp_path / 'event.json'} {words}" in completed.stderr


def test_cli_run_on_a_folder_asks_for_the_template_file(tmp_path):
    completed = run_emulator("run", str(tmp_path), "--for", "1h")
    assert completed.returncode == 1
    assert f"{tmp_path} is a folder: give the template file in it, e.g. {tmp_path / 'template.yaml'}" in completed.stderr


def test_cli_generate_event_takes_any_text_as_an_sqs_body():
    """Faithful: an SQS message body is any text, JSON or not, so a body that is not JSON is no error."""
    completed = run_emulator("generate-event", "sqs", "--body", "{not json")
    assert completed.returncode == 0 and json.loads(completed.stdout)["Records"][0]["body"] == "{not json"


def test_boto3_invoke_with_an_unknown_invocation_type_is_refused(worker):
    with pytest.raises(ClientError, match="invocation_type 'Sync' is not one of 'RequestResponse', 'Event'") as raised:
        boto3.client("lambda", region_name="us-east-1").invoke(FunctionName="worker", InvocationType="Sync")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert worker.invocations == []


@pytest.mark.parametrize("payload, invocation_type, error, words", [
    (json.dumps("x" * 7_000_000).encode(), "RequestResponse", "RequestTooLargeException", "at most 6,291,456 bytes"),
    (json.dumps("x" * 2_000_000).encode(), "Event", "RequestTooLargeException", "at most 1,048,576 bytes"),
    (b"{bad", "RequestResponse", "InvalidParameterValueException", "the payload is not valid JSON"),
])
def test_a_bad_payload_through_boto3_gets_lambdas_error(worker, payload, invocation_type, error, words):
    with pytest.raises(ClientError, match=words) as raised:
        boto3.client("lambda", region_name="us-east-1").invoke(FunctionName="worker", Payload=payload,
                                                               InvocationType=invocation_type)
    assert raised.value.response["Error"]["Code"] == error


@pytest.mark.parametrize("event, words", [
    ({"when": {1, 2}}, "Object of type set is not JSON serializable"),
    ("x" * 7_000_000, "at most 6,291,456 bytes"),
])
def test_an_event_that_cannot_be_sent_is_refused_before_it_runs(worker, event, words):
    with pytest.raises((InvalidParameterValueException, RequestTooLargeException), match=words):
        worker.invoke("worker", event)
    assert worker.invocations == []


def test_a_circular_event_is_refused(worker):
    event: dict = {}
    event["self"] = event
    with pytest.raises(InvalidParameterValueException, match="Circular reference detected"):
        worker.invoke("worker", event)


@pytest.mark.parametrize("call, words", [
    (lambda c: c.advance(minutes="5"), "minutes must be a number (got '5', a str): write minutes=5"),
    (lambda c: c.advance(seconds=float("nan")), "seconds must be a finite number (got nan)"),
    (lambda c: c.run_until_idle(60), "limit must be a timedelta, such as timedelta(hours=2) (got 60, a int)"),
])
def test_the_clock_refuses_what_is_not_an_amount_of_time(cloud, call, words):
    with pytest.raises(InvalidParameterValueException, match=re.escape(words)):
        call(cloud)


def test_a_handler_without_a_function_part_fails_when_invoked(cloud, code):
    """Faithful: CreateFunction only checks the handler's characters; the runtime then answers
    Runtime.MalformedHandlerName at the first invocation."""
    cloud.create_function("worker", code=code, handler="lambda_function")
    assert cloud.invoke("worker", {}).error["errorType"] == "Runtime.MalformedHandlerName"


@pytest.mark.parametrize("line, words", [
    ("../escape", "%%lambda ../escape: a function name is 1 to 64 letters, digits, - or _"),
    ("echo --handler ../../evil.lambda_handler", "--handler '../../evil.lambda_handler': write it as module.function"),
    ("echo --timeout abc", "argument --timeout: invalid float value: 'abc'"),
    ("echo --tracing On", "invalid choice: 'On'"),
    ("echo extra words", "unrecognized arguments: extra words"),
    ("", "the following arguments are required: name"),
])
def test_a_bad_lambda_line_is_refused_before_any_file_is_written(tmp_path, monkeypatch, line, words):
    from emulator import notebook
    from grader.exercises import ExerciseFormatError

    monkeypatch.setitem(notebook._lab, "cloud", object())  # never reached: the line is refused first
    monkeypatch.setitem(notebook._lab, "work_dir", tmp_path / "work")
    with pytest.raises(ExerciseFormatError, match=re.escape(words)):
        notebook.deploy_cell(line, HANDLER)
    assert list(tmp_path.rglob("*.py")) == []


def test_check_of_a_lab_without_exercises_names_the_lab(tmp_path):
    from grader.check import make_check
    from grader.exercises import ExerciseFormatError

    (tmp_path / "01_empty.ipynb").write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": "hi",
                                                                     "metadata": {}}], "metadata": {}, "nbformat": 4}))
    with pytest.raises(ExerciseFormatError, match="lab 01_empty has no exercise '01-x'; its exercises are: none"):
        make_check("01_empty", tmp_path / "work", tmp_path)("01-x")
