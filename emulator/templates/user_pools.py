"""Cognito user pools in a template: the pool, its app clients and its groups, made in moto.

A **user pool** is a directory of users that signs them in and hands out tokens signed with the pool's
key: an ID token (who the user is: ``sub``, ``email``, ``cognito:groups``) and an access token. Its
issuer, the ``iss`` of every token, is ``https://cognito-idp.REGION.amazonaws.com/POOL_ID``, which is
why an HTTP API's JWT authorizer is written with
``issuer: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}``. An **app client** is
one application allowed to sign users in; the ``aud`` of its ID tokens is its client id, so the
authorizer's ``audience: [!Ref WebClient]``. A **group** puts users in a role (``teachers``): the
groups of a user are listed in the ``cognito:groups`` claim of their tokens.

CloudFormation creates these three resources with the Cognito API; here the same calls (boto3
``cognito-idp``: CreateUserPool, CreateUserPoolClient, CreateGroup) go to the local cloud, whose
user pools are moto's. A student then signs users in with plain boto3 (``admin_create_user``,
``initiate_auth``) and the tokens pass the template's JWT authorizer. ``Ref`` and ``Fn::GetAtt``
give what CloudFormation documents:

- ``AWS::Cognito::UserPool``: Ref the pool id (``us-east-1_AbC123``); Arn, ProviderName
  (``cognito-idp.REGION.amazonaws.com/POOL_ID``), ProviderURL (``https://`` and ProviderName), UserPoolId;
- ``AWS::Cognito::UserPoolClient``: Ref the client id; ClientId, Name, ClientSecret (with ``GenerateSecret``);
- ``AWS::Cognito::UserPoolGroup``: Ref the group name; no attributes.

Where this differs from AWS: a pool or client without a name is named after its logical id
(CloudFormation makes one up); every pool signs its tokens with the one key moto ships; properties the
Cognito API does not take at creation (``EnabledMfas``, the WebAuthn settings...) are listed in one
warning and not applied; what moto does not model (Lambda triggers, e-mail and SMS delivery) is stored
but has no effect.
"""

from __future__ import annotations

from typing import Any, Callable

from botocore import xform_name

from .report import TemplateError

POOL, CLIENT, GROUP = "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup"


def _arguments(stack: Any, logical_id: str, operation: str, properties: dict, where: str,
               renamed: dict[str, str]) -> dict[str, Any]:
    """The template's properties as the API operation's parameters: CloudFormation mostly uses the API's
    own names (``renamed`` lists the exceptions); a property the operation does not take is warned about."""
    resolved = stack.mapping(stack.scope.resolve(properties, where), where)
    members = stack.cloud.client("cognito-idp").meta.service_model.operation_model(operation).input_shape.members
    arguments = {renamed.get(key, key): value for key, value in resolved.items() if renamed.get(key, key) in members}
    ignored = [key for key in resolved if renamed.get(key, key) not in members]
    if ignored:
        stack.warn(f"{stack.label(logical_id)}: {', '.join(ignored)} not applied here ({operation} does not take them)")
    return arguments


def _cognito(stack: Any, where: str, operation: str, arguments: dict[str, Any]) -> dict:
    """One Cognito API call; a refusal names the resource's properties (``where``) and Cognito's reason."""
    try:
        return stack.call(where, getattr(stack.cloud.client("cognito-idp"), xform_name(operation)), **arguments)
    except TemplateError as error:
        if "ResourceNotFoundException" not in str(error):
            raise
        raise stack.error(f"{where}.UserPoolId", f"{arguments.get('UserPoolId')!r} is not a user pool here: write "
                                                 f"!Ref and the logical id of an AWS::Cognito::UserPool") from None


def create_user_pool(stack: Any, logical_id: str, properties: dict, where: str) -> None:
    """``AWS::Cognito::UserPool``: a pool of users; Ref gives its id."""
    arguments = _arguments(stack, logical_id, "CreateUserPool", properties, where, {"UserPoolName": "PoolName"})
    arguments.setdefault("PoolName", logical_id)
    pool = _cognito(stack, where, "CreateUserPool", arguments)["UserPool"]
    provider = f"cognito-idp.{stack.cloud.region}.amazonaws.com/{pool['Id']}"  # the issuer, without https://
    stack.remember(logical_id, pool["Id"], Arn=pool["Arn"], ProviderName=provider,
                   ProviderURL=f"https://{provider}", UserPoolId=pool["Id"])
    stack.report.user_pools[logical_id] = f"user pool {pool['Id']}"


def create_user_pool_client(stack: Any, logical_id: str, properties: dict, where: str) -> None:
    """``AWS::Cognito::UserPoolClient``: an application allowed to sign users in; Ref gives the client id."""
    stack.required(properties, "UserPoolId", where)
    arguments = _arguments(stack, logical_id, "CreateUserPoolClient", properties, where, {})
    arguments.setdefault("ClientName", logical_id)
    client = _cognito(stack, where, "CreateUserPoolClient", arguments)["UserPoolClient"]
    secret = {"ClientSecret": client["ClientSecret"]} if "ClientSecret" in client else {}
    stack.remember(logical_id, client["ClientId"], ClientId=client["ClientId"], Name=client["ClientName"], **secret)
    stack.report.user_pools[logical_id] = f"app client {client['ClientId']} of {arguments['UserPoolId']}"


def create_user_pool_group(stack: Any, logical_id: str, properties: dict, where: str) -> None:
    """``AWS::Cognito::UserPoolGroup``: a named set of a pool's users; Ref gives the group name."""
    stack.required(properties, "UserPoolId", where)
    arguments = _arguments(stack, logical_id, "CreateGroup", properties, where, {})
    arguments.setdefault("GroupName", logical_id)
    group = _cognito(stack, where, "CreateGroup", arguments)["Group"]
    stack.remember(logical_id, group["GroupName"])


CREATORS: dict[str, Callable[[Any, str, dict, str], None]] = {
    POOL: create_user_pool,
    CLIENT: create_user_pool_client,
    GROUP: create_user_pool_group,
}
