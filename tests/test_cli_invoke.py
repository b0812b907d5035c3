"""``python -m emulator invoke``: payload on stdout, logs on stderr, exit code 1 on a function error."""

from __future__ import annotations

import json
import subprocess
import sys

HANDLER = """
import os

def lambda_handler(event, context):
    print("got", event)
    if event.get("fail"):
        raise ValueError("bad input")
    return {"greeting": os.environ.get("GREETING", "hello"), "key1": event.get("key1")}

def other(event, context):
    return "other"
"""


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", "invoke", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_invoke_prints_the_payload_and_logs(tmp_path):
    handler = tmp_path / "lambda_function.py"
    handler.write_text(HANDLER)
    event = tmp_path / "event.json"
    event.write_text('{"key1": "value1"}')
    done = run(str(handler), "--event", str(event), "--env", "GREETING=bonjour", "--timeout", "5", "--memory", "256")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"greeting": "bonjour", "key1": "value1"}
    assert done.stderr.startswith("START RequestId:") and "got {'key1': 'value1'}" in done.stderr
    assert "Memory Size: 256 MB" in done.stderr


def test_invoke_reads_the_event_from_stdin_and_names_the_handler(tmp_path):
    handler = tmp_path / "app.py"
    handler.write_text(HANDLER)
    done = run(f"{handler}:other", "--event", "-", stdin="{}")
    assert done.returncode == 0 and json.loads(done.stdout) == "other"


def test_a_function_error_exits_1_with_the_error_envelope(tmp_path):
    handler = tmp_path / "lambda_function.py"
    handler.write_text(HANDLER)
    done = run(str(handler), "--event", "-", stdin='{"fail": true}')
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "bad input"
    assert "[ERROR] ValueError: bad input" in done.stderr


def test_bad_input_gets_a_clear_message(tmp_path):
    handler = tmp_path / "lambda_function.py"
    handler.write_text(HANDLER)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    done = run(str(handler), "--event", str(bad))
    assert done.returncode != 0 and "is not valid JSON" in done.stderr and "generate-event" in done.stderr
    missing = run(str(tmp_path / "nope.py"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert run(str(handler), "--timeout", "0").returncode == 2
