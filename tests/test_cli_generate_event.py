"""``python -m emulator generate-event``: prints the builders' events; bad option values exit 2."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.commands import generate_event

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "fixtures" / "aws-events"  # AWS samples (fixtures/aws-events/README.md)


def generate(capsys, *argv: str) -> tuple[int, dict | None, str]:
    """Run ``generate-event ARGV`` in-process: (exit code, printed event or None, stderr)."""
    parser = argparse.ArgumentParser(prog="python -m emulator")
    generate_event.register(parser.add_subparsers(dest="command"))
    try:
        args = parser.parse_args(["generate-event", *argv])
        code = args.run(args)
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else None, err


@pytest.mark.parametrize("event_type, sample_name", [
    ("sqs", "sqs-receive-message.json"), ("schedule", "eventbridge-scheduled-event.json"),
    ("api", "apigateway-rest-proxy-v1.json"), ("s3", "s3-put.json"), ("sns", "sns-notification.json"),
])
def test_each_type_prints_an_event_with_the_top_level_keys_of_the_aws_sample(capsys, event_type, sample_name):
    code, event, err = generate(capsys, event_type)
    assert (code, err) == (0, "")
    reference = json.loads((SAMPLES / sample_name).read_text())
    assert set(event) == set(reference)
    if "Records" in reference:
        assert set(event["Records"][0]) == set(reference["Records"][0])


def test_http_api_prints_a_payload_2_event(capsys):
    code, event, _ = generate(capsys, "http-api", "--method", "post", "--path", "/items",
                              "--cookie", "theme=dark", "--route-key", "POST /items",
                              "--header", "X-Tag=a", "--header", "X-Tag=b", "--body", "hi")
    assert code == 0 and event["version"] == "2.0"
    assert event["cookies"] == ["theme=dark"] and event["headers"] == {"x-tag": "a,b"}
    assert event["routeKey"] == "POST /items" and event["requestContext"]["http"]["method"] == "POST"
    assert event["body"] == "hi"


def test_sqs_body_is_printed_as_the_message_text(capsys):
    code, event, _ = generate(capsys, "sqs", "--body", '{"number1": 1, "number2": 5, "operation": "+"}',
                              "--queue", "input_queue", "--attribute", "kind=calc")
    assert code == 0
    record = event["Records"][0]
    assert json.loads(record["body"]) == {"number1": 1, "number2": 5, "operation": "+"}
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:input_queue"
    assert record["messageAttributes"]["kind"]["stringValue"] == "calc"


def test_sqs_repeated_body_makes_a_batch(capsys):
    _, event, _ = generate(capsys, "sqs", "--body", "one", "--body", "two", "--body", "three")
    assert [record["body"] for record in event["Records"]] == ["one", "two", "three"]


@pytest.mark.parametrize("given, printed", [
    ("2024-01-31T09:00:00Z", "2024-01-31T09:00:00Z"),
    ("2024-01-31T09:00:00", "2024-01-31T09:00:00Z"),
    ("2024-01-31T11:00:00+02:00", "2024-01-31T09:00:00Z"),
])
def test_schedule_time_option_accepts_iso_8601(capsys, given, printed):
    code, event, _ = generate(capsys, "schedule", "--rule", "minuteur", "--time", given, "--region", "eu-west-3")
    assert code == 0 and event["time"] == printed
    assert event["resources"] == ["arn:aws:events:eu-west-3:123456789012:rule/minuteur"]


def test_api_options_map_to_the_rest_event(capsys):
    code, event, _ = generate(capsys, "api", "--method", "delete", "--path", "/items/42", "--resource",
                              "/items/{id}", "--path-param", "id=42", "--query", "tag=a", "--query", "tag=b",
                              "--query", "empty=", "--header", "Authorization=Bearer x=y", "--stage", "dev")
    assert code == 0
    assert (event["httpMethod"], event["resource"], event["pathParameters"]) == ("DELETE", "/items/{id}", {"id": "42"})
    assert event["queryStringParameters"] == {"tag": "b", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "empty": [""]}
    assert event["headers"] == {"Authorization": "Bearer x=y"}
    assert event["requestContext"]["path"] == "/dev/items/42"


def test_s3_and_sns_options(capsys):
    _, s3, _ = generate(capsys, "s3", "--bucket", "photos", "--key", "my photo.jpg", "--size", "7")
    assert s3["Records"][0]["s3"]["bucket"]["name"] == "photos"
    assert s3["Records"][0]["s3"]["object"]["key"] == "my+photo.jpg"
    assert s3["Records"][0]["s3"]["object"]["size"] == 7
    _, sns, _ = generate(capsys, "sns", "--message", "hello", "--topic", "alerts", "--subject", "Hi")
    assert (sns["Records"][0]["Sns"]["Message"], sns["Records"][0]["Sns"]["Subject"]) == ("hello", "Hi")


@pytest.mark.parametrize("argv, option", [
    (["api", "--query", "page"], "--query"),
    (["http-api", "--header", "=value"], "--header"),
    (["schedule", "--time", "yesterday"], "--time"),
    (["s3", "--size", "big"], "--size"),
    (["api", "--method", "FETCH"], "--method"),
    (["sqs", "--queue", "my queue"], "queue"),
    (["sns", "--region", "Paris"], "region"),
    (["s3", "--bucket", "No_Such"], "bucket"),
])
def test_bad_option_values_exit_2_naming_the_option(capsys, argv, option):
    code, event, err = generate(capsys, *argv)
    assert code == 2 and event is None
    assert option in err and "error" in err


def test_missing_event_type_exits_2(capsys):
    code, _, err = generate(capsys)
    assert code == 2 and "TYPE" in err


def test_python_m_emulator_generate_event_sqs():
    done = subprocess.run([sys.executable, "-m", "emulator", "generate-event", "sqs", "--body", '{"number1": 1}'],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Records"][0]["body"] == '{"number1": 1}'


def test_python_m_emulator_generate_event_bad_value_exits_2():
    done = subprocess.run([sys.executable, "-m", "emulator", "generate-event", "api", "--query", "nope"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--query" in done.stderr and done.stdout == ""
