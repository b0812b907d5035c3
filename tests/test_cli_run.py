"""``python -m emulator run template.yaml --for 1h``: a template's triggers played in virtual time,
with a summary of invocations per function and messages per queue."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from emulator.__main__ import main
from emulator.commands.run import parse_duration

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"
REPO = Path(__file__).resolve().parents[1]


def row(output: str, name: str) -> list[str]:
    """The cells of the summary row that starts with ``name``."""
    found = re.search(rf"^{re.escape(name)}\s+(.*)$", output, re.MULTILINE)
    assert found, f"no row {name!r} in:\n{output}"
    return found.group(1).split()


def test_an_hour_of_a_one_minute_schedule_runs_sixty_times_in_a_subprocess():
    done = subprocess.run(
        [sys.executable, "-m", "emulator", "run", str(TEMPLATES / "clock" / "template.yaml"), "--for", "1h",
         "--start", "2026-01-01T00:00:00"],
        capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Played 1:00:00 of virtual time, 2026-01-01 00:00:00 to 2026-01-01 01:00:00 UTC" in done.stdout
    assert row(done.stdout, "Clock") == ["60", "0", "schedule", "60"]
    assert done.stderr == ""


def test_sent_messages_flow_to_the_output_queue_and_the_dead_letter_queue(capsys):
    code = main(["run", str(TEMPLATES / "calculator" / "template.yaml"), "--for", "1h",
                 "--send", 'input_queue={"number1": 1, "number2": 5, "operation": "+"}',
                 "--send", "InputQueue=not json"])  # a queue can be named by its logical id too
    output = capsys.readouterr().out
    assert code == 0
    assert row(output, "calculator")[:2] == ["3", "0"]  # both, then the bad one alone twice: 3 receives
    assert row(output, "output_queue")[0] == "1"
    assert row(output, "input_dlq (dead-letter)")[0] == "1"
    assert row(output, "input_queue") == ["0", "0", "0"]


def test_template_warnings_are_printed(tmp_path, capsys):
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    assert main(["run", str(template), "--for", "1m"]) == 0
    captured = capsys.readouterr()
    assert "warning: not emulated, so not created (!Ref gives the logical id): Bucket (AWS::S3::Bucket)" in captured.err
    assert "No queues." in captured.out


def test_a_broken_template_is_one_clear_line_and_exit_code_1(tmp_path, capsys):
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                        "    Properties: {CodeUri: nowhere/, Handler: app.handler}\n")
    assert main(["run", str(template), "--for", "1h"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "Resources.Fn.Properties.CodeUri" in error
    assert "Traceback" not in error


def test_sending_to_an_unknown_queue_lists_the_template_queues(capsys):
    assert main(["run", str(TEMPLATES / "calculator" / "template.yaml"), "--for", "1m",
                 "--send", "inbox={}"]) == 1
    assert "the template has no queue 'inbox' (its queues: input_dlq, input_queue, output_queue)" in \
        capsys.readouterr().err


@pytest.mark.parametrize("text, expected", [
    ("90s", timedelta(seconds=90)), ("30m", timedelta(minutes=30)), ("1h", timedelta(hours=1)),
    ("2d", timedelta(days=2)), ("1h30m", timedelta(hours=1, minutes=30)), ("1.5h", timedelta(minutes=90)),
])
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "1", "h", "1x", "1h 30m", "-1h", "1h30"])
def test_bad_durations_say_how_to_write_one(text):
    with pytest.raises(argparse.ArgumentTypeError, match="write a number and a unit"):
        parse_duration(text)


@pytest.mark.parametrize("arguments, message", [
    (["--for", "soon"], "'soon' is not a duration"),
    (["--for", "1h", "--start", "yesterday"], "'yesterday' is not a date and time"),
    (["--for", "1h", "--send", "no-equals-sign"], "is not QUEUE=BODY"),
])
def test_bad_arguments_are_usage_errors(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(TEMPLATES / "clock" / "template.yaml"), *arguments])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("path, kind", [("terraform_seed", "Terraform"), ("cdktf_seed", "Terraform"),
                                        ("serverless/serverless.yml", "Serverless Framework"),
                                        ("calculator/template.yaml", "SAM")])
def test_run_says_in_one_line_which_kind_of_file_it_read(capsys, path, kind):
    assert main(["run", str(TEMPLATES / path), "--for", "1m"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith(f"Read {TEMPLATES / path} as {kind}: ")


def test_validate_prints_cfn_lint_findings_and_fails_on_errors(tmp_path, capsys):
    template = tmp_path / "template.yaml"
    template.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
                        "    Type: AWS::Lambda::Function\n    Properties:\n      Handlr: app.handler\n"
                        "      Runtime: python3.12\n      Role: arn:aws:iam::123456789012:role/LabRole\n"
                        "      Code: {ZipFile: 'def handler(e, c): pass'}\n")
    assert main(["validate", str(template)]) == 1
    output = capsys.readouterr().out
    assert f"{template}:6:" in output and "E3002" in output and "Did you mean 'Handler'?" in output
    assert main(["validate", str(TEMPLATES / "calculator" / "template.yaml")]) == 0
    assert "no problems found" in capsys.readouterr().out


def test_validate_explains_it_reads_cloudformation_only(capsys):
    assert main(["validate", str(TEMPLATES / "terraform_seed")]) == 2
    assert "cfn-lint reads SAM and CloudFormation templates only" in capsys.readouterr().err
