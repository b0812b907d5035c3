"""Authorizers: JWT authorizers of HTTP APIs and Lambda authorizers of REST APIs, as API Gateway runs them."""

from __future__ import annotations

import json

import jwt
import pytest

from emulator.gateway import tokens

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LabPool"
ECHO = """
import json

def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""
# A TOKEN/REQUEST authorizer whose decision is the token itself: allow, deny, other, everything,
# unauthorized, crash, garbage. It allows or denies exactly the method ARN it is asked about, except
# for "other" (POST routes only) and "everything" (every route of the API).
AUTHORIZER = """
def lambda_handler(event, context):
    token = event.get("authorizationToken") or event["headers"].get("X-User")
    print("authorizer got", event["type"], event["methodArn"])
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token == "crash":
        raise RuntimeError("user table unreachable")
    if token == "garbage":
        return {"hello": "world"}
    effect = {"allow": "Allow", "deny": "Deny"}.get(token, "Allow")
    resource = {"other": "arn:aws:execute-api:*:*:*/*/POST/*",
                "everything": event["methodArn"].split("/")[0] + "/*"}.get(token, event["methodArn"])
    return {"principalId": "user-7",
            "policyDocument": {"Version": "2012-10-17",
                               "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
            "context": {"plan": "gold", "seats": 3, "admin": False}}
"""
UNAUTHORIZED = (401, {"message": "Unauthorized"})


@pytest.fixture
def api(cloud, write_handler):
    """An HTTP API route behind a JWT authorizer and REST routes behind TOKEN and REQUEST authorizers."""
    cloud.create_function("echo", code=write_handler(ECHO, "echo"))
    cloud.create_function("authorizer", code=write_handler(AUTHORIZER, "authorizer"))
    gateway = cloud.api_gateway
    gateway.add_jwt_authorizer("Cognito", issuer=ISSUER, audience=["lab-client"])
    gateway.add_lambda_authorizer("TokenAuth", "authorizer")
    gateway.add_lambda_authorizer("RequestAuth", "authorizer", type="REQUEST",
                                  identity_source=["method.request.header.X-User", "method.request.querystring.key"])
    cloud.add_route("GET", "/me", "echo", api="http", authorizer="Cognito")
    cloud.add_route("DELETE", "/me", "echo", api="http", authorizer="Cognito", authorization_scopes=["admin"])
    cloud.add_route("GET", "/items/{id}", "echo", authorizer="TokenAuth")
    cloud.add_route("GET", "/reports", "echo", authorizer="RequestAuth")
    return cloud


@pytest.fixture
def client(api):
    return api.http_app().test_client()


def answer(response) -> tuple[int, dict]:
    return response.status_code, json.loads(response.data)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# -- JWT authorizer (HTTP API) -----------------------------------------------------------------

def test_valid_token_reaches_the_function_with_its_claims_and_scopes(api, client):
    token = api.api_gateway.mint_token({"email": "ada@example.com", "cognito:groups": ["teachers", "admins"],
                                        "email_verified": True}, scopes=["read", "write"], subject="ada")
    status, event = answer(client.get("/me", headers=bearer(token)))
    assert status == 200
    jwt_context = event["requestContext"]["authorizer"]["jwt"]
    claims = jwt_context["claims"]
    # HTTP APIs pass every claim as text.
    assert (claims["sub"], claims["email"], claims["iss"]) == ("ada", "ada@example.com", ISSUER)
    assert claims["cognito:groups"] == "[teachers admins]" and claims["email_verified"] == "true"
    assert claims["exp"] == str(int(api.clock.now().timestamp()) + 3600)
    assert jwt_context["scopes"] == ["read", "write"]


def test_token_without_bearer_prefix_is_accepted(api, client):
    assert client.get("/me", headers={"Authorization": api.api_gateway.mint_token()}).status_code == 200


def test_missing_token_is_401(client):
    assert answer(client.get("/me")) == UNAUTHORIZED


def test_expired_token_is_401(api, client):
    assert answer(client.get("/me", headers=bearer(api.api_gateway.mint_token(expires_in=-1)))) == UNAUTHORIZED


def test_token_expires_when_the_virtual_clock_passes_its_expiry(api, client):
    token = api.api_gateway.mint_token(expires_in=3600)
    assert client.get("/me", headers=bearer(token)).status_code == 200
    api.advance(hours=1)
    assert answer(client.get("/me", headers=bearer(token))) == UNAUTHORIZED


@pytest.mark.parametrize("make_token", [
    lambda gateway: gateway.mint_token(audience="someone-else"),
    lambda gateway: gateway.mint_token(issuer="https://evil.example"),
    lambda gateway: gateway.mint_token() + "x",  # a broken signature
    lambda gateway: jwt.encode({"iss": ISSUER, "aud": "lab-client", "exp": 4102444800},
                               "a-shared-secret-of-at-least-32-bytes", algorithm="HS256"),
    lambda gateway: "not-a-jwt",
], ids=["wrong audience", "wrong issuer", "bad signature", "not RSA", "garbage"])
def test_invalid_token_is_401_and_the_server_log_says_why(api, client, caplog, make_token):
    with caplog.at_level("INFO", logger="emulator.gateway.api_gateway"):
        response = client.get("/me", headers=bearer(make_token(api.api_gateway)))
    assert answer(response) == UNAUTHORIZED
    assert any("401" in line and "JWT authorizer Cognito" in line for line in caplog.messages)


def test_cognito_access_token_with_client_id_instead_of_aud_is_accepted(api, client):
    token = tokens.mint_token({"client_id": "lab-client", "token_use": "access"}, issuer=ISSUER,
                              audience="unused", now=api.clock.now())
    assert client.get("/me", headers=bearer(token)).status_code == 200


def test_route_scopes_need_one_matching_scope_in_the_token(api, client):
    reader = api.api_gateway.mint_token(scopes=["read"])
    admin = api.api_gateway.mint_token(scopes=["read", "admin"])
    assert answer(client.delete("/me", headers=bearer(reader))) == (403, {"message": "Forbidden"})
    assert client.delete("/me", headers=bearer(admin)).status_code == 200


def test_mint_token_needs_an_authorizer_or_explicit_issuer_and_audience(cloud):
    with pytest.raises(ValueError, match="pass issuer= and audience="):
        cloud.api_gateway.mint_token()
    token = cloud.api_gateway.mint_token(issuer="https://i.example", audience="app")
    claims = tokens.verify_token(token, issuer="https://i.example", audience=["app"], now=cloud.clock.now())
    assert claims["aud"] == "app"


# -- Lambda authorizers (REST API) -------------------------------------------------------------

def test_token_authorizer_allows_and_passes_principal_and_context(api, client):
    status, event = answer(client.get("/items/9", headers={"Authorization": "allow"}))
    assert status == 200
    authorizer = event["requestContext"]["authorizer"]
    assert authorizer["principalId"] == "user-7"
    assert (authorizer["plan"], authorizer["seats"], authorizer["admin"]) == ("gold", "3", "false")
    arn = f"arn:aws:execute-api:us-east-1:123456789012:{api.api_gateway.api_ids['rest']}/Prod/GET/items/9"
    assert f"authorizer got TOKEN {arn}" in api.logs("authorizer")


def test_token_authorizer_explicit_deny_is_403(client):
    response = client.get("/items/9", headers={"Authorization": "deny"})
    denied = "User is not authorized to access this resource with an explicit deny"
    assert answer(response) == (403, {"Message": denied})
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_policy_for_another_resource_is_an_implicit_deny(client):
    response = client.get("/items/9", headers={"Authorization": "other"})
    assert answer(response) == (403, {"Message": "User is not authorized to access this resource"})


def test_missing_token_is_401_without_calling_the_authorizer(api, client):
    assert answer(client.get("/items/9")) == UNAUTHORIZED
    assert [invocation.function for invocation in api.invocations] == []


def test_authorizer_raising_unauthorized_is_401(client):
    assert answer(client.get("/items/9", headers={"Authorization": "unauthorized"})) == UNAUTHORIZED


@pytest.mark.parametrize("token", ["crash", "garbage"])
def test_authorizer_failure_is_500_and_the_function_never_runs(api, client, caplog, token):
    with caplog.at_level("INFO", logger="emulator.gateway.api_gateway"):
        response = client.get("/items/9", headers={"Authorization": token})
    assert answer(response) == (500, {"message": None})
    assert response.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
    assert [invocation.function for invocation in api.invocations] == ["authorizer"]
    assert any("Lambda authorizer TokenAuth" in line for line in caplog.messages)


def test_token_not_matching_the_validation_expression_is_401_without_calling_the_authorizer(api, client):
    api.api_gateway.add_lambda_authorizer("Strict", "authorizer", validation_expression=r"Bearer [a-z]+")
    api.add_route("GET", "/strict", "echo", authorizer="Strict")
    assert answer(client.get("/strict", headers={"Authorization": "allow"})) == UNAUTHORIZED
    assert api.invocations == []


def test_request_authorizer_gets_the_request_and_needs_every_identity_source(api, client):
    status, event = answer(client.get("/reports?key=k1", headers={"X-User": "allow"}))
    assert status == 200 and event["requestContext"]["authorizer"]["principalId"] == "user-7"
    assert "authorizer got REQUEST" in api.logs("authorizer")
    assert answer(client.get("/reports", headers={"X-User": "allow"})) == UNAUTHORIZED
    assert answer(client.get("/reports?key=k1", headers={"X-User": "deny"}))[0] == 403


def test_route_naming_an_unknown_authorizer_is_refused_when_the_app_is_built(cloud, write_handler):
    cloud.create_function("echo", code=write_handler(ECHO, "echo"))
    cloud.add_route("GET", "/x", "echo", authorizer="Missing")
    with pytest.raises(ValueError, match="'Missing', which does not exist"):
        cloud.http_app()


def test_jwt_authorizer_on_a_rest_route_is_refused(api):
    with pytest.raises(ValueError, match="JWT authorizer"):
        api.add_route("GET", "/mixed", "echo", api="rest", authorizer="Cognito")


@pytest.mark.parametrize("make, words", [
    (lambda g: g.add_jwt_authorizer("A", issuer="", audience="x"), "needs an issuer"),
    (lambda g: g.add_jwt_authorizer("A", issuer="https://i", audience="x", identity_source="Authorization"),
     "not supported"),
    (lambda g: g.add_lambda_authorizer("A", "echo", type="COGNITO"), "not 'TOKEN' or 'REQUEST'"),
    (lambda g: g.add_lambda_authorizer("A", "echo", result_ttl=3601), "from 0 .no caching. to 3600, got 3601"),
    (lambda g: g.add_lambda_authorizer("A", "echo", result_ttl=-1), "from 0 .no caching. to 3600, got -1"),
    (lambda g: g.add_lambda_authorizer("A", "echo", result_ttl=1.5), "whole number of seconds"),
    (lambda g: g.add_lambda_authorizer("A", "echo", type="REQUEST", identity_source=[]),
     "needs at least one.*or set result_ttl=0"),
])
def test_bad_authorizer_settings_are_refused_with_a_clear_message(api, make, words):
    with pytest.raises(ValueError, match=words):
        make(api.api_gateway)


# -- the authorizer's result cache (REST API) --------------------------------------------------

def authorizer_calls(cloud) -> int:
    return sum(invocation.function == "authorizer" for invocation in cloud.invocations)


def test_same_token_within_the_ttl_calls_the_authorizer_once_and_again_once_it_expires(api, client):
    first = answer(client.get("/items/9", headers={"Authorization": "allow"}))
    second = answer(client.get("/items/9", headers={"Authorization": "allow"}))
    assert (first[0], second[0], authorizer_calls(api)) == (200, 200, 1)
    # The cached answer still gives the function the principal and context, and the first call's latency.
    assert second[1]["requestContext"]["authorizer"] == first[1]["requestContext"]["authorizer"]
    api.advance(seconds=299)
    assert client.get("/items/9", headers={"Authorization": "allow"}).status_code == 200
    assert authorizer_calls(api) == 1
    api.advance(seconds=1)  # 300 s, the default TTL, after the answer was cached
    assert client.get("/items/9", headers={"Authorization": "allow"}).status_code == 200
    assert authorizer_calls(api) == 2


def test_each_token_has_its_own_cache_entry(api, client):
    for token in ("allow", "alice", "allow", "alice"):
        assert client.get("/items/9", headers={"Authorization": token}).status_code == 200
    assert authorizer_calls(api) == 2


def test_result_ttl_zero_calls_the_authorizer_on_every_request(api, client):
    api.api_gateway.add_lambda_authorizer("NoCache", "authorizer", result_ttl=0)
    api.add_route("GET", "/fresh", "echo", authorizer="NoCache")
    for _ in range(3):
        assert client.get("/fresh", headers={"Authorization": "allow"}).status_code == 200
    assert authorizer_calls(api) == 3


def test_a_cached_policy_for_one_route_denies_the_others_without_calling_the_authorizer(api, client, caplog):
    api.add_route("GET", "/items", "echo", authorizer="TokenAuth")
    api.add_route("GET", "/orders", "echo", authorizer="TokenAuth")
    assert client.get("/items", headers={"Authorization": "allow"}).status_code == 200
    with caplog.at_level("INFO", logger="emulator.gateway.api_gateway"):
        # The policy cached for this token allows only GET /items: implicit deny, and no new call.
        response = client.get("/orders", headers={"Authorization": "allow"})
    assert answer(response) == (403, {"Message": "User is not authorized to access this resource"})
    assert authorizer_calls(api) == 1
    assert any("cached answer" in line and "/GET/orders" in line for line in caplog.messages)
    api.advance(seconds=300)
    assert client.get("/orders", headers={"Authorization": "allow"}).status_code == 200
    assert authorizer_calls(api) == 2


def test_a_policy_for_every_route_serves_all_routes_from_one_call(api, client):
    api.add_route("GET", "/orders", "echo", authorizer="TokenAuth")
    assert client.get("/items/9", headers={"Authorization": "everything"}).status_code == 200
    assert client.get("/orders", headers={"Authorization": "everything"}).status_code == 200
    assert authorizer_calls(api) == 1


def test_a_cached_deny_is_reused(api, client):
    for _ in range(2):
        assert client.get("/items/9", headers={"Authorization": "deny"}).status_code == 403
    assert authorizer_calls(api) == 1


@pytest.mark.parametrize("token, status", [("unauthorized", 401), ("crash", 500), ("garbage", 500)])
def test_an_unauthorized_or_failed_answer_is_not_cached(api, client, token, status):
    for _ in range(2):
        assert client.get("/items/9", headers={"Authorization": token}).status_code == status
    assert authorizer_calls(api) == 2


def test_request_authorizer_is_cached_by_all_its_identity_sources_together(api, client):
    requests = [("allow", "k1"), ("allow", "k1"), ("allow", "k2"), ("alice", "k1"), ("allow", "k2")]
    for user, key in requests:
        assert client.get(f"/reports?key={key}", headers={"X-User": user}).status_code == 200
    assert authorizer_calls(api) == 3  # (allow, k1), (allow, k2), (alice, k1)


def test_request_authorizer_without_caching_needs_no_identity_source(api, client):
    api.api_gateway.add_lambda_authorizer("Open", "authorizer", type="REQUEST", identity_source=[], result_ttl=0)
    api.add_route("GET", "/open", "echo", authorizer="Open")
    for _ in range(2):
        assert client.get("/open").status_code == 200
    assert authorizer_calls(api) == 2


# -- tokens of a local Cognito user pool (moto's) ----------------------------------------------

def user_pool(cloud) -> tuple[str, str, str]:
    """A user pool with app client "web" and user ada in group teachers: (issuer, client id, ada's password)."""
    idp = cloud.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="lab")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool, ClientName="web",
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool, GroupName="teachers")
    idp.admin_create_user(UserPoolId=pool, Username="ada")
    idp.admin_set_user_password(UserPoolId=pool, Username="ada", Password="Correct-Horse-1", Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool, Username="ada", GroupName="teachers")
    return f"https://cognito-idp.us-east-1.amazonaws.com/{pool}", client_id, pool


def sign_in(cloud, client_id: str) -> dict:
    return cloud.client("cognito-idp").initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada", "PASSWORD": "Correct-Horse-1"})["AuthenticationResult"]


@pytest.fixture
def pool_api(cloud, write_handler):
    cloud.create_function("echo", code=write_handler(ECHO, "echo"))
    issuer, client_id, pool = user_pool(cloud)
    cloud.api_gateway.add_jwt_authorizer("Pool", issuer=issuer, audience=[client_id])
    cloud.add_route("GET", "/me", "echo", api="http", authorizer="Pool")
    return cloud, client_id, pool


def test_id_and_access_tokens_of_a_local_user_pool_pass_the_jwt_authorizer(pool_api):
    cloud, client_id, _ = pool_api
    issued = sign_in(cloud, client_id)
    client = cloud.http_app().test_client()
    status, event = answer(client.get("/me", headers=bearer(issued["IdToken"])))
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert (status, claims["token_use"], claims["aud"], claims["cognito:groups"]) == (200, "id", client_id, "[teachers]")
    status, event = answer(client.get("/me", headers=bearer(issued["AccessToken"])))
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    # Cognito's access tokens name the app client in client_id and have no aud.
    assert (status, claims["token_use"], claims["client_id"], "aud" in claims) == (200, "access", client_id, False)


def test_a_token_of_another_app_client_or_of_a_deleted_pool_is_401(pool_api):
    cloud, client_id, pool = pool_api
    idp = cloud.client("cognito-idp")
    other = idp.create_user_pool_client(UserPoolId=pool, ClientName="mobile",
                                        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    client = cloud.http_app().test_client()
    assert answer(client.get("/me", headers=bearer(sign_in(cloud, other)["IdToken"]))) == UNAUTHORIZED
    token = sign_in(cloud, client_id)["IdToken"]
    idp.delete_user_pool(UserPoolId=pool)  # its key set is gone with it
    assert answer(client.get("/me", headers=bearer(token))) == UNAUTHORIZED


def test_a_pool_token_expires_on_the_virtual_clock(pool_api):
    cloud, client_id, _ = pool_api
    token = sign_in(cloud, client_id)["AccessToken"]
    client = cloud.http_app().test_client()
    assert client.get("/me", headers=bearer(token)).status_code == 200
    cloud.advance(hours=1)  # Cognito's tokens last one hour
    assert answer(client.get("/me", headers=bearer(token))) == UNAUTHORIZED


def test_get_user_refuses_an_access_token_once_it_has_expired_or_its_user_signed_out(cloud):
    _, client_id, pool = user_pool(cloud)
    idp = cloud.client("cognito-idp")
    token = sign_in(cloud, client_id)["AccessToken"]
    assert idp.get_user(AccessToken=token)["Username"] == "ada"
    cloud.advance(hours=1)
    with pytest.raises(idp.exceptions.NotAuthorizedException, match="Access Token has expired"):
        idp.get_user(AccessToken=token)
    token = sign_in(cloud, client_id)["AccessToken"]
    idp.admin_user_global_sign_out(UserPoolId=pool, Username="ada")
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.get_user(AccessToken=token)


# -- Lambda authorizers of HTTP APIs (payload format 2.0) --------------------------------------

# Decides on the Authorization header: "yes" is authorized, "no" is not, "crash" raises, "garbage"
# answers no simple response; with "policy" in the header it answers an IAM policy for GET routes only.
HTTP_AUTHORIZER = """
def lambda_handler(event, context):
    token = event["identitySource"][0] if event["identitySource"] else "yes"
    print("authorizer got", event["version"], event["type"], event["routeArn"], event["routeKey"])
    if token == "crash":
        raise RuntimeError("user table unreachable")
    if token == "garbage":
        return {"isAuthorized": "yes"}
    if token.startswith("policy"):
        resource = event["routeArn"].split("/")[0] + "/*/GET/*"
        return {"principalId": "user-7", "context": {"plan": "gold"},
                "policyDocument": {"Version": "2012-10-17",
                                   "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}]}}
    return {"isAuthorized": token == "yes", "context": {"user": "ada", "groups": ["teachers"], "seats": 3}}
"""
FORBIDDEN = (403, {"message": "Forbidden"})


@pytest.fixture
def lambda_api(cloud, write_handler):
    cloud.create_function("echo", code=write_handler(ECHO, "echo"))
    cloud.create_function("authorizer", code=write_handler(HTTP_AUTHORIZER, "authorizer"))
    cloud.api_gateway.add_http_lambda_authorizer("Simple", "authorizer", simple_responses=True)
    cloud.api_gateway.add_http_lambda_authorizer("Policy", "authorizer", result_ttl=0)
    cloud.add_route("GET", "/grades", "echo", api="http", authorizer="Simple")
    cloud.add_route("POST", "/grades", "echo", api="http", authorizer="Simple")
    cloud.add_route("GET", "/plans", "echo", api="http", authorizer="Policy")
    cloud.add_route("POST", "/plans", "echo", api="http", authorizer="Policy")
    return cloud


def test_an_authorized_request_brings_the_context_to_the_function(lambda_api):
    client = lambda_api.http_app().test_client()
    status, event = answer(client.get("/grades", headers={"Authorization": "yes"}))
    assert status == 200
    # HTTP APIs pass the context as the authorizer returned it, under "lambda".
    assert event["requestContext"]["authorizer"] == {"lambda": {"user": "ada", "groups": ["teachers"], "seats": 3}}
    [call] = [i for i in lambda_api.invocations if i.function == "authorizer"]
    assert "authorizer got 2.0 REQUEST arn:aws:execute-api:us-east-1:123456789012:" in call.logs
    assert "/$default/GET/grades GET /grades" in call.logs


def test_not_authorized_is_403_forbidden_and_a_missing_identity_source_is_401_without_a_call(lambda_api):
    client = lambda_api.http_app().test_client()
    assert answer(client.get("/grades", headers={"Authorization": "no"})) == FORBIDDEN
    assert answer(client.get("/grades")) == UNAUTHORIZED
    assert authorizer_calls(lambda_api) == 1


@pytest.mark.parametrize("token", ["crash", "garbage"])
def test_a_failed_or_invalid_answer_is_500_and_not_cached(lambda_api, token):
    client = lambda_api.http_app().test_client()
    for _ in range(2):
        assert answer(client.get("/grades", headers={"Authorization": token})) == (
            500, {"message": "Internal Server Error"})
    assert authorizer_calls(lambda_api) == 2


def test_a_cached_simple_answer_holds_for_every_route_until_its_ttl_ends(lambda_api):
    client = lambda_api.http_app().test_client()
    assert client.get("/grades", headers={"Authorization": "yes"}).status_code == 200
    assert client.post("/grades", headers={"Authorization": "yes"}).status_code == 200
    assert answer(client.get("/grades", headers={"Authorization": "no"})) == FORBIDDEN
    assert authorizer_calls(lambda_api) == 2  # one call per token: the cache is keyed by identity source values
    lambda_api.advance(seconds=300)  # the default TTL
    assert client.get("/grades", headers={"Authorization": "yes"}).status_code == 200
    assert authorizer_calls(lambda_api) == 3


def test_a_policy_answer_is_evaluated_against_the_route_arn(lambda_api):
    client = lambda_api.http_app().test_client()
    status, event = answer(client.get("/plans", headers={"Authorization": "policy"}))
    assert (status, event["requestContext"]["authorizer"]) == (200, {"lambda": {"plan": "gold"}})
    assert answer(client.post("/plans", headers={"Authorization": "policy"})) == FORBIDDEN
    assert authorizer_calls(lambda_api) == 2  # result_ttl=0: called on every request


def test_http_lambda_authorizer_settings_are_checked(lambda_api):
    gateway = lambda_api.api_gateway
    with pytest.raises(ValueError, match="not supported"):
        gateway.add_http_lambda_authorizer("A", "authorizer", identity_source="method.request.header.X")
    with pytest.raises(ValueError, match="needs at least one identity source"):
        gateway.add_http_lambda_authorizer("A", "authorizer", identity_source=[])
    with pytest.raises(ValueError, match="HTTP API Lambda authorizer, which serves the HTTP API only"):
        lambda_api.add_route("GET", "/rest", "echo", authorizer="Simple")
    gateway.add_http_lambda_authorizer("Open", "authorizer", identity_source=[], simple_responses=True, result_ttl=0)
    lambda_api.add_route("GET", "/open", "echo", api="http", authorizer="Open")
    assert lambda_api.http_app().test_client().get("/open").status_code == 200
