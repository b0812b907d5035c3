"""Public SAM templates (aws-sam-translator's own test inputs, Apache-2.0, see fixtures/templates/public/):
each loads, and what it declares is served."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import LocalCloud

PUBLIC = Path(__file__).parent / "fixtures" / "templates" / "public"


@pytest.mark.parametrize("name", ["function_with_tenancy_and_httpapi_event.yaml", "function_with_tenancy_and_api_event.yaml"])
def test_inline_code_behind_an_implicit_api_answers(name):
    with LocalCloud.from_template(PUBLIC / name) as cloud:
        assert [(r.method, r.path, r.function) for r in cloud.template.routes] == [("GET", "/hello", "MyFunction")]
        answer = cloud.http_app().test_client().get("/hello")
        assert (answer.status_code, answer.get_data(as_text=True)) == (200, "Hello")


def test_a_function_that_cannot_run_here_is_warned_about_with_its_event_invoke_config():
    with LocalCloud.from_template(PUBLIC / "function_with_event_dest.yaml") as cloud:
        assert cloud.template.functions == []
        warnings = "\n".join(cloud.template.warnings)
        assert "MyTestFunction: Runtime nodejs12.x cannot run here" in warnings
        assert "(Resources.MyTestFunction.Properties.EventInvokeConfig): its function MyTestFunction is not built" in warnings


def test_managed_policy_names_translate_offline_and_unknown_types_are_listed():
    with LocalCloud.from_template(PUBLIC / "managed_policies_everything.yaml") as cloud:
        assert cloud.template.functions == ["MyFunction"]
        assert cloud.template.resources["MyFunctionRole"] == "MyFunctionRole"
        warnings = "\n".join(cloud.template.warnings)
        assert "MyStateMachine (AWS::StepFunctions::StateMachine)" in warnings
        assert "Parameters SomeParameter have no Default" in warnings
