"""Securing an API in a template: Cognito user pools, app clients and groups made in the local cloud
(moto's), a JWT authorizer that checks that pool's tokens, and HTTP API Lambda authorizers (SAM's
``LambdaAuthorizer`` and a plain ``AWS::ApiGatewayV2::Authorizer`` of type REQUEST)."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from emulator import LocalCloud
from emulator.templates.sam import TemplateError

START = datetime(2026, 1, 5, 0, 0, tzinfo=timezone.utc)
ECHO = "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': __import__('json').dumps(event)}\n"
# Lets a request in when its Authorization header is "open-sesame", with who it is in the context.
GATE = """\
def handler(event, context):
    allowed = event["headers"].get("authorization") == "open-sesame"
    return {"isAuthorized": allowed, "context": {"user": "ada", "source": event["identitySource"]}}
"""
PASSWORD = "Correct-Horse-1"

SECURED = """
Transform: AWS::Serverless-2016-10-31
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: lab-users
      Policies: {PasswordPolicy: {MinimumLength: 8}}
  WebClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref UserPool
      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  Teachers:
    Type: AWS::Cognito::UserPoolGroup
    Properties:
      UserPoolId: !Ref UserPool
      GroupName: teachers
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Cognito
        Authorizers:
          Cognito:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}
              audience: [!Ref WebClient]
  Grades:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: lambda_function.lambda_handler
      Runtime: python3.12
      Environment:
        Variables:
          POOL_ARN: !GetAtt UserPool.Arn
          PROVIDER_NAME: !GetAtt UserPool.ProviderName
          PROVIDER_URL: !GetAtt UserPool.ProviderURL
          POOL_ID: !GetAtt UserPool.UserPoolId
          CLIENT_ID: !GetAtt WebClient.ClientId
          CLIENT_NAME: !GetAtt WebClient.Name
          GROUP: !Ref Teachers
      Events:
        Read:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Method: GET, Path: /grades}
"""

GATED = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Gate
        Authorizers:
          Gate:
            FunctionArn: !GetAtt Gatekeeper.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              Headers: [Authorization]
              ReauthorizeEvery: 60
  Gatekeeper:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: gate.handler, Runtime: python3.12}
  Grades:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: lambda_function.lambda_handler
      Runtime: python3.12
      Events:
        Read:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Method: GET, Path: /grades}
"""


@pytest.fixture
def template(tmp_path):
    """template(yaml_text) -> the path of a template file next to src/ (the echo handler and the gate)."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lambda_function.py").write_text(ECHO)
    (tmp_path / "src" / "gate.py").write_text(GATE)

    def write(text: str) -> Path:
        path = tmp_path / "template.yaml"
        path.write_text(textwrap.dedent(text))
        return path

    return write


@pytest.fixture
def load():
    """load(path) -> a started cloud built from the template; stopped after the test."""
    clouds = []

    def build(path, **options):
        clouds.append(LocalCloud.from_template(path, start_time=START, **options))
        return clouds[-1]

    yield build
    for cloud in clouds:
        cloud.stop()


def sign_in(cloud: LocalCloud, username: str = "ada") -> dict:
    """A user of the template's pool, in group teachers, signed in with USER_PASSWORD_AUTH: their tokens."""
    idp = cloud.client("cognito-idp")
    pool, client_id = cloud.template.resources["UserPool"], cloud.template.resources["WebClient"]
    idp.admin_create_user(UserPoolId=pool, Username=username)
    idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName="teachers")
    return idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})["AuthenticationResult"]


# -- Cognito resources -------------------------------------------------------------------------------

def test_the_user_pool_client_and_group_are_moto_resources_with_cloudformation_refs_and_attributes(template, load):
    cloud = load(template(SECURED))
    idp = cloud.client("cognito-idp")
    pool_id, client_id = cloud.template.resources["UserPool"], cloud.template.resources["WebClient"]
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Name"] == "lab-users" and pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert client["ClientName"] == "WebClient"  # no ClientName: named after its logical id
    assert [g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]] == ["teachers"]
    environment = cloud.function("Grades").config.environment
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    assert environment == {"POOL_ARN": pool["Arn"], "PROVIDER_NAME": provider, "PROVIDER_URL": f"https://{provider}",
                           "POOL_ID": pool_id, "CLIENT_ID": client_id, "CLIENT_NAME": "WebClient", "GROUP": "teachers"}
    assert not any("not emulated" in warning for warning in cloud.template.warnings), cloud.template.warnings
    assert f"Cognito UserPool: user pool {pool_id}" in str(cloud.template)
    assert f"Cognito WebClient: app client {client_id} of {pool_id}" in str(cloud.template)


def test_the_jwt_authorizer_refuses_no_token_and_passes_an_id_token_of_the_pool_with_its_claims(template, load):
    cloud = load(template(SECURED))
    tokens = sign_in(cloud)
    client = cloud.http_app().test_client()
    refused = client.get("/grades")
    assert (refused.status_code, refused.get_json()) == (401, {"message": "Unauthorized"})
    assert client.get("/grades", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    allowed = client.get("/grades", headers={"Authorization": f"Bearer {tokens['IdToken']}"})
    assert allowed.status_code == 200
    claims = json.loads(allowed.data)["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["cognito:username"] == "ada"
    assert claims["cognito:groups"] == "[teachers]"  # HTTP APIs pass a list claim as text
    assert claims["aud"] == cloud.template.resources["WebClient"]
    assert claims["iss"] == f"https://cognito-idp.us-east-1.amazonaws.com/{cloud.template.resources['UserPool']}"


def test_a_token_of_another_pool_is_refused(template, load):
    cloud = load(template(SECURED))
    idp = cloud.client("cognito-idp")
    other = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    other_client = idp.create_user_pool_client(UserPoolId=other, ClientName="web")["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=other, Username="eve")
    idp.admin_set_user_password(UserPoolId=other, Username="eve", Password=PASSWORD, Permanent=True)
    token = idp.initiate_auth(ClientId=other_client, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "eve", "PASSWORD": PASSWORD})["AuthenticationResult"]["IdToken"]
    response = cloud.http_app().test_client().get("/grades", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401  # signed with the same key, but another issuer and audience


def test_a_client_with_a_generated_secret_gives_it_as_an_attribute(template, load):
    cloud = load(template(SECURED.replace("      ExplicitAuthFlows:", "      GenerateSecret: true\n      ExplicitAuthFlows:")
                          .replace("CLIENT_NAME: !GetAtt WebClient.Name", "CLIENT_SECRET: !GetAtt WebClient.ClientSecret")))
    pool_id, client_id = cloud.template.resources["UserPool"], cloud.template.resources["WebClient"]
    described = cloud.client("cognito-idp").describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    assert cloud.function("Grades").config.environment["CLIENT_SECRET"] == described["UserPoolClient"]["ClientSecret"]


def test_a_property_the_api_does_not_take_at_creation_is_warned_about(template, load):
    cloud = load(template(SECURED.replace("UserPoolName: lab-users", "UserPoolName: lab-users\n      EnabledMfas: [SOFTWARE_TOKEN_MFA]")))
    assert any("UserPool: EnabledMfas not applied here" in warning for warning in cloud.template.warnings)


@pytest.mark.parametrize("change, words", [
    (("      UserPoolId: !Ref UserPool\n      ExplicitAuthFlows", "      ExplicitAuthFlows"),
     ["Resources.WebClient.Properties.UserPoolId", "is missing"]),
    (("      UserPoolId: !Ref UserPool\n      GroupName", "      UserPoolId: us-east-1_nosuchpool\n      GroupName"),
     ["Resources.Teachers.Properties.UserPoolId", "'us-east-1_nosuchpool' is not a user pool here",
      "AWS::Cognito::UserPool"]),
    (("PROVIDER_URL: !GetAtt UserPool.ProviderURL", "PROVIDER_URL: !GetAtt UserPool.Issuer"),
     ["Resources.Grades.Properties.Environment.Variables.PROVIDER_URL", "no attribute 'Issuer'",
      "Arn, ProviderName, ProviderURL, UserPoolId"]),
    (("GROUP: !Ref Teachers", "GROUP: !GetAtt Teachers.Arn"), ["Teachers has no attribute 'Arn'"]),
    (("Policies: {PasswordPolicy: {MinimumLength: 8}}", "Policies: {PasswordPolicy: {MinimumLength: eight}}"),
     ["Resources.UserPool.Properties", "MinimumLength"]),
])
def test_a_wrong_cognito_resource_names_the_resource_and_property(template, load, change, words):
    with pytest.raises(TemplateError) as raised:
        load(template(SECURED.replace(*change)))
    for word in words:
        assert word in str(raised.value)


# -- Lambda authorizers of HTTP APIs -----------------------------------------------------------------

def test_sam_lambda_authorizer_with_simple_responses_allows_denies_and_caches(template, load):
    cloud = load(template(GATED))
    client = cloud.http_app().test_client()
    assert client.get("/grades").get_json() == {"message": "Unauthorized"}  # no identity source: not called
    denied = client.get("/grades", headers={"Authorization": "wrong"})
    assert (denied.status_code, denied.get_json()) == (403, {"message": "Forbidden"})
    allowed = client.get("/grades", headers={"Authorization": "open-sesame"})
    assert allowed.status_code == 200
    assert json.loads(allowed.data)["requestContext"]["authorizer"]["lambda"] == {
        "user": "ada", "source": ["open-sesame"]}
    calls = sum(invocation.function == "Gatekeeper" for invocation in cloud.invocations)
    assert client.get("/grades", headers={"Authorization": "open-sesame"}).status_code == 200
    assert sum(invocation.function == "Gatekeeper" for invocation in cloud.invocations) == calls  # cached
    cloud.advance(seconds=60)  # ReauthorizeEvery: 60
    client.get("/grades", headers={"Authorization": "open-sesame"})
    assert sum(invocation.function == "Gatekeeper" for invocation in cloud.invocations) == calls + 1
    assert not any("not emulated" in warning for warning in cloud.template.warnings), cloud.template.warnings


def test_a_lambda_authorizer_without_identity_sources_is_called_on_every_request(template, load):
    cloud = load(template(GATED.replace("""            Identity:
              Headers: [Authorization]
              ReauthorizeEvery: 60
""", "")))
    client = cloud.http_app().test_client()
    assert client.get("/grades").status_code == 403  # no identity source to require: the authorizer decides
    for _ in range(2):
        assert client.get("/grades", headers={"Authorization": "open-sesame"}).status_code == 200
    assert sum(invocation.function == "Gatekeeper" for invocation in cloud.invocations) == 3


def test_a_payload_format_1_0_lambda_authorizer_is_reported_as_not_emulated(template, load):
    cloud = load(template(GATED.replace('AuthorizerPayloadFormatVersion: "2.0"', 'AuthorizerPayloadFormatVersion: "1.0"')
                          .replace("EnableSimpleResponses: true", "EnableSimpleResponses: false")))
    assert any("authorizer Gate (Lambda, payload format 1.0) is not emulated" in warning
               for warning in cloud.template.warnings), cloud.template.warnings


CLOUDFORMATION_GATE = """
Resources:
  Gatekeeper:
    Type: AWS::Lambda::Function
    Properties: {Code: src/, Handler: gate.handler, Runtime: python3.12, Role: arn:aws:iam::123456789012:role/lab}
  Grades:
    Type: AWS::Lambda::Function
    Properties: {Code: src/, Handler: lambda_function.lambda_handler, Runtime: python3.12,
                 Role: arn:aws:iam::123456789012:role/lab}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: grades, ProtocolType: HTTP}
  Gate:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Api
      Name: gate
      AuthorizerType: REQUEST
      AuthorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Gatekeeper.Arn}/invocations
      AuthorizerPayloadFormatVersion: "2.0"
      EnableSimpleResponses: true
      IdentitySource: [$request.header.Authorization]
      AuthorizerResultTtlInSeconds: 0
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref Api, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Grades.Arn,
                 PayloadFormatVersion: "2.0"}
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: GET /grades
      Target: !Sub integrations/${Integration}
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Gate
"""


def test_cloudformation_request_authorizer_guards_a_custom_route_without_caching(template, load):
    cloud = load(template(CLOUDFORMATION_GATE))
    client = cloud.http_app().test_client()
    assert client.get("/grades", headers={"Authorization": "wrong"}).status_code == 403
    for _ in range(2):
        assert client.get("/grades", headers={"Authorization": "open-sesame"}).status_code == 200
    assert sum(invocation.function == "Gatekeeper" for invocation in cloud.invocations) == 3  # TTL 0: every time


@pytest.mark.parametrize("change, words", [
    (('      AuthorizerPayloadFormatVersion: "2.0"\n', ""),
     ["Resources.Gate.Properties", "authorizer gate needs AuthorizerPayloadFormatVersion", '"2.0"']),
    (("AuthorizerResultTtlInSeconds: 0", "AuthorizerResultTtlInSeconds: 7200"),
     ["Resources.Gate.Properties", "result_ttl", "7200"]),
    (("IdentitySource: [$request.header.Authorization]", "IdentitySource: [method.request.header.Authorization]"),
     ["Resources.Gate.Properties", "method.request.header.Authorization", "$request.header."]),
])
def test_a_wrong_request_authorizer_names_the_resource_and_property(template, load, change, words):
    with pytest.raises(TemplateError) as raised:
        load(template(CLOUDFORMATION_GATE.replace(*change)))
    for word in words:
        assert word in str(raised.value)


def test_a_template_cloud_started_inside_a_running_cloud_leaves_its_moto_patches_on(template):
    """Lab 09 runs LocalCloud.from_template while the lab's own cloud runs: stopping the inner cloud
    must not take the outer cloud's patches of moto (its SQS clock among them) with it."""
    from emulator.aws import moto_patches
    with LocalCloud(start_time=START):
        with LocalCloud.from_template(template(SECURED), start_time=START):
            pass
        assert moto_patches._originals, "the outer cloud lost its moto patches when the inner one stopped"
    assert not moto_patches._originals
