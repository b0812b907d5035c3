"""The notebook side of a lab: start_lab, the %%lambda and %%tests cell magics, check()."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from emulator import notebook
from emulator.runtime import InvalidParameterValueException

FIXTURE_LABS = Path(__file__).parent / "fixtures" / "course" / "labs"
ECHO = 'def lambda_handler(event, context):\n    return event["key1"]\n'


@pytest.fixture
def shell():
    """An IPython shell, as in a notebook kernel (the magics register into it)."""
    from IPython.core.interactiveshell import InteractiveShell

    instance = InteractiveShell.instance()
    yield instance
    notebook.stop_lab()
    InteractiveShell.clear_instance()


def run(shell, source: str):
    result = shell.run_cell(source)
    if result.error_before_exec or result.error_in_exec:
        raise result.error_before_exec or result.error_in_exec
    return result.result


@pytest.fixture
def lab(shell, tmp_path):
    """A started lab 01_echo whose check() reads the fixture course's labs/."""
    run(shell, f"from emulator.notebook import start_lab\n"
               f"cloud, check = start_lab('01_echo', work_dir={str(tmp_path / 'work')!r}, labs_dir={str(FIXTURE_LABS)!r})")
    return tmp_path / "work"


def test_lambda_cell_saves_the_file_and_deploys_the_function(shell, lab, capsys):
    run(shell, "%%lambda echo\n" + ECHO)

    assert (lab / "echo" / "lambda_function.py").read_text() == ECHO
    cloud = shell.user_ns["cloud"]
    assert cloud.invoke("echo", {"key1": "value1"}).payload == "value1"
    assert "deployed function echo" in capsys.readouterr().out


def test_handler_files_are_read_once_per_cell(shell, lab, monkeypatch):
    run(shell, "%%lambda echo\n" + ECHO)
    run(shell, "first = cloud.invoke('echo', {'key1': 'a'}).payload")
    edited = ECHO.replace('event["key1"]', 'event["key1"].upper()')
    stats = []
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, *rest, **options: stats.append(path) or real_stat(path, *rest, **options))
    run(shell, f"cloud.invoke('echo', {{'key1': 'b'}})\n"  # the cell's first look at the files
               f"(cloud.function('echo').config.code_dir / 'lambda_function.py').write_text({edited!r})\n"
               f"same_cell = [cloud.invoke('echo', {{'key1': 'b'}}).payload for _ in range(50)]")
    assert len(stats) < 10, f"the handler files were read {len(stats)} times in one cell of 50 invocations"
    run(shell, "next_cell = cloud.invoke('echo', {'key1': 'c'}).payload")
    namespace = shell.user_ns
    assert (namespace["first"], namespace["same_cell"][-1], namespace["next_cell"]) == ("a", "b", "C")


def test_lambda_cell_options_become_the_function_configuration(shell, lab):
    run(shell, "%%lambda greeter --handler app.main --timeout 5 --memory 256 --env GREETING=Hi NAME='Ana Lu'\n"
               "import os\n\ndef main(event, context):\n    return os.environ['GREETING'] + ' ' + os.environ['NAME']\n")

    cloud = shell.user_ns["cloud"]
    config = cloud.function("greeter").config
    assert (lab / "greeter" / "app.py").is_file()
    assert (config.handler, config.timeout, config.memory_size) == ("app.main", 5, 256)
    assert config.environment == {"GREETING": "Hi", "NAME": "Ana Lu"}
    assert cloud.invoke("greeter", {}).payload == "Hi Ana Lu"


def test_running_a_lambda_cell_again_replaces_the_code(shell, lab):
    run(shell, "%%lambda echo\n" + ECHO)
    run(shell, "%%lambda echo\ndef lambda_handler(event, context):\n    return 'changed'\n")

    assert shell.user_ns["cloud"].invoke("echo", {"key1": "value1"}).payload == "changed"


def test_a_syntax_error_is_reported_at_once_and_on_invocation(shell, lab, capsys):
    run(shell, "%%lambda broken\ndef lambda_handler(event, context)\n    return 1\n")

    assert "SyntaxError in lambda_function.py, line 1" in capsys.readouterr().err
    result = shell.user_ns["cloud"].invoke("broken", {})
    assert result.error["errorType"] == "Runtime.UserCodeSyntaxError"


def test_bad_options_raise_a_clear_error(shell, lab):
    with pytest.raises(ValueError, match="--env 'NOEQUALS': write each variable as KEY=VALUE"):
        run(shell, "%%lambda echo --env NOEQUALS\n" + ECHO)
    with pytest.raises(InvalidParameterValueException, match="timeout 1000.0 is out of range"):
        run(shell, "%%lambda echo --timeout 1000\n" + ECHO)


def test_tests_cell_counts_public_tests_and_runs_nothing(shell, lab, capsys):
    run(shell, "%%tests 01-echo\n"
               "def test_one(cloud):\n    assert False\n\n"
               "def test_two(cloud):\n    assert False\n\n"
               "### BEGIN HIDDEN TESTS\ndef test_hidden(cloud):\n    assert False\n### END HIDDEN TESTS\n")

    assert capsys.readouterr().out.strip() == "2 public tests for 01-echo: run check('01-echo')"


def test_start_lab_again_stops_the_previous_cloud(shell, lab):
    first = shell.user_ns["cloud"]
    run(shell, f"cloud, check = start_lab('01_echo', work_dir={str(lab)!r}, labs_dir={str(FIXTURE_LABS)!r})")

    assert not first.running
    assert shell.user_ns["cloud"].running and shell.user_ns["cloud"] is not first


def test_check_runs_the_public_tests_on_the_saved_file(shell, lab):
    run(shell, "%%lambda echo\n" + ECHO)
    result = run(shell, "check('01-echo')")

    assert result.passed and (result.score, result.max_score) == (2, 2)
    assert [test.name for test in result.tests] == ["test_returns_key1", "test_returns_other_values_unchanged"]
    assert "01-echo: 2/2 points" in str(result) and "All public tests passed." in str(result)
    assert "✔" in result._repr_html_()


def test_check_explains_each_failure_in_one_sentence(shell, lab):
    run(shell, "%%lambda echo\ndef lambda_handler(event, context):\n    return str(event['key1'])\n")
    result = run(shell, "check('01-echo')")

    assert not result.passed and result.score == 1
    failed = [test for test in result.tests if not test.passed]
    assert [test.message for test in failed] == [
        "expected the handler to return event['key1'] unchanged (42), got '42'"]
    assert "Traceback" not in str(result) and "Traceback" not in result._repr_html_()


def test_check_reads_the_kits_tests_not_the_students_test_cell(shell, lab):
    run(shell, "%%lambda echo\ndef lambda_handler(event, context):\n    return None\n")
    run(shell, "%%tests 01-echo\ndef test_always_passes():\n    pass\n")  # a student's edited copy
    result = run(shell, "check('01-echo')")

    assert result.score == 0 and len(result.tests) == 2


def test_check_before_the_lambda_cell_ran_says_what_to_do(shell, lab):
    result = run(shell, "check('01-echo')")

    assert result.score == 0 and not result.passed
    assert result.problem == "there is no work/echo/lambda_function.py yet: run the %%lambda echo cell first"


def test_check_of_an_unknown_exercise_lists_the_lab_exercises(shell, lab):
    with pytest.raises(ValueError, match="lab 01_echo has no exercise '06-calculator'; its exercises are: "
                                         "01-echo, 01-greeting"):
        run(shell, "check('06-calculator')")


def test_deploy_cell_needs_a_started_lab():
    notebook.stop_lab()
    with pytest.raises(RuntimeError, match="run the notebook's first cell"):
        notebook.deploy_cell("echo", ECHO)
