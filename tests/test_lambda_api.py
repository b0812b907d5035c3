"""The Lambda API as boto3 sees it: the functions boto3 lists, gets, creates, updates and deletes are
the ones the local cloud runs, with AWS's response shapes and AWS's errors."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError

HANDLER = "def lambda_handler(event, context):\n    return {'version': VERSION, 'event': event}\n"
MODEL = botocore.session.get_session().get_service_model("lambda")


def package(version: int = 1, module: str = "app") -> bytes:
    """A .zip deployment package holding one module, as `zip function.zip app.py` makes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{module}.py", f"VERSION = {version}\n" + HANDLER)
    return buffer.getvalue()


@pytest.fixture
def lam(cloud):
    return boto3.client("lambda", region_name="us-east-1")


def create(lam, name: str = "scripted", **extra):
    settings = {"FunctionName": name, "Runtime": "python3.12", "Role": "arn:aws:iam::123456789012:role/LabRole",
                "Handler": "app.lambda_handler", "Code": {"ZipFile": package()}, **extra}
    return lam.create_function(**settings)


def error_code(raised) -> str:
    return raised.value.response["Error"]["Code"]


def assert_shaped_as(document: dict, shape_name: str):
    """Every key is a member of botocore's shape: what a script written against AWS can read."""
    members = MODEL.shape_for(shape_name).members
    assert set(document) - {"ResponseMetadata"} <= set(members), set(document) - set(members)


def test_functions_made_with_the_cloud_are_listed_and_described(cloud, lam, write_handler):
    cloud.create_function("first_lambda", code=write_handler("def lambda_handler(e, c):\n    return 1\n"),
                          timeout=60, environment={"foo": "bar"})
    listed = lam.list_functions()["Functions"]
    assert [f["FunctionName"] for f in listed] == ["first_lambda"]
    config = lam.get_function_configuration(FunctionName="first_lambda")
    assert config["Timeout"] == 60 and config["Environment"] == {"Variables": {"foo": "bar"}}
    assert config["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:first_lambda"
    assert config["State"] == "Active" and config["PackageType"] == "Zip" and config["Handler"].endswith("lambda_handler")
    assert_shaped_as(config, "FunctionConfiguration")
    whole = lam.get_function(FunctionName="first_lambda")
    assert_shaped_as(whole, "GetFunctionResponse")
    assert whole["Configuration"]["CodeSha256"] == config["CodeSha256"]


def test_an_unknown_function_is_resource_not_found(lam):
    with pytest.raises(ClientError) as raised:
        lam.get_function_configuration(FunctionName="nope")
    assert error_code(raised) == "ResourceNotFoundException" and "nope" in str(raised.value)
    with pytest.raises(ClientError) as raised:
        lam.delete_function(FunctionName="nope")
    assert error_code(raised) == "ResourceNotFoundException"


def test_a_function_created_with_boto3_from_a_zip_runs_locally(cloud, lam):
    created = create(lam, Timeout=10, Environment={"Variables": {"STAGE": "test"}}, Tags={"course": "lambda"})
    assert created["State"] == "Pending" and created["Runtime"] == "python3.12"
    assert created["CodeSize"] == len(package())
    lam.get_waiter("function_active_v2").wait(FunctionName="scripted")  # what scripts written for AWS do
    response = lam.invoke(FunctionName="scripted", Payload=json.dumps({"a": 1}))
    assert json.loads(response["Payload"].read()) == {"version": 1, "event": {"a": 1}}
    assert cloud.invoke("scripted", {}).payload["version"] == 1  # the cloud runs the same function
    assert lam.list_tags(Resource=created["FunctionArn"])["Tags"] == {"course": "lambda"}
    assert lam.get_function(FunctionName="scripted")["Tags"] == {"course": "lambda"}


def test_a_function_created_from_an_s3_object_runs_locally(cloud, lam):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="deployments")
    s3.put_object(Bucket="deployments", Key="v1.zip", Body=package())
    create(lam, Code={"S3Bucket": "deployments", "S3Key": "v1.zip"})
    assert cloud.invoke("scripted", {}).payload == {"version": 1, "event": {}}
    with pytest.raises(ClientError) as raised:
        create(lam, "missing", Code={"S3Bucket": "deployments", "S3Key": "nothing.zip"})
    assert error_code(raised) == "InvalidParameterValueException" and "nothing.zip" in str(raised.value)


def test_creating_an_existing_function_is_a_conflict(lam):
    create(lam)
    with pytest.raises(ClientError) as raised:
        create(lam)
    assert error_code(raised) == "ResourceConflictException" and "scripted" in str(raised.value)


@pytest.mark.parametrize("settings, says", [
    ({"Runtime": "nodejs20.x"}, "Python"),
    ({"Code": {"ZipFile": b"not a zip"}}, "unzip"),
    ({"Code": {}}, "ZipFile"),
    ({"Timeout": 901}, "timeout"),
])
def test_a_function_the_local_cloud_cannot_run_is_refused_with_the_reason(lam, settings, says):
    with pytest.raises(ClientError) as raised:
        create(lam, **settings)
    assert error_code(raised) == "InvalidParameterValueException" and says in str(raised.value)


def test_new_code_and_new_configuration_make_the_next_invocation_cold(cloud, lam):
    create(lam)
    assert cloud.invoke("scripted", {}).cold_start
    assert not cloud.invoke("scripted", {}).cold_start
    lam.update_function_code(FunctionName="scripted", ZipFile=package(version=2))
    after_code = cloud.invoke("scripted", {})
    assert after_code.cold_start and after_code.payload["version"] == 2
    updated = lam.update_function_configuration(FunctionName="scripted", Timeout=30, MemorySize=256,
                                                Description="calculator")
    assert updated["Timeout"] == 30 and updated["MemorySize"] == 256 and updated["Description"] == "calculator"
    after_config = cloud.invoke("scripted", {})
    assert after_config.cold_start and "Memory Size: 256 MB" in after_config.logs
    assert lam.get_function_configuration(FunctionName="scripted")["CodeSha256"] == \
        lam.update_function_code(FunctionName="scripted", ZipFile=package(version=2))["CodeSha256"]


def test_a_stale_revision_id_is_refused(lam):
    revision = create(lam)["RevisionId"]
    lam.update_function_configuration(FunctionName="scripted", Timeout=5)
    with pytest.raises(ClientError) as raised:
        lam.update_function_configuration(FunctionName="scripted", Timeout=6, RevisionId=revision)
    assert error_code(raised) == "PreconditionFailedException"


def test_deleting_a_function(cloud, lam):
    create(lam)
    lam.delete_function(FunctionName="scripted")
    assert lam.list_functions()["Functions"] == []
    with pytest.raises(ClientError) as raised:
        lam.invoke(FunctionName="scripted", Payload=b"{}")
    assert error_code(raised) == "ResourceNotFoundException"


def test_concurrency_and_tags_through_the_api(lam):
    arn = create(lam)["FunctionArn"]
    assert lam.get_function_concurrency(FunctionName="scripted").get("ReservedConcurrentExecutions") is None
    lam.put_function_concurrency(FunctionName="scripted", ReservedConcurrentExecutions=3)
    assert lam.get_function_concurrency(FunctionName="scripted")["ReservedConcurrentExecutions"] == 3
    assert lam.get_function(FunctionName="scripted")["Concurrency"] == {"ReservedConcurrentExecutions": 3}
    lam.delete_function_concurrency(FunctionName="scripted")
    assert "Concurrency" not in lam.get_function(FunctionName="scripted")
    lam.tag_resource(Resource=arn, Tags={"a": "1", "b": "2"})
    lam.untag_resource(Resource=arn, TagKeys=["a"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}


def test_list_functions_pages_like_aws(cloud, lam, write_handler):
    code = write_handler("def lambda_handler(e, c):\n    return 1\n")
    for index in range(5):
        cloud.create_function(f"f{index}", code=code)
    pages = list(lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(page["Functions"]) for page in pages] == [2, 2, 1]
    assert [f["FunctionName"] for page in pages for f in page["Functions"]] == [f"f{i}" for i in range(5)]
