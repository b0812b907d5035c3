"""Terraform's AWS resources written as the CloudFormation resources they stand for.

Each converter takes a resource's arguments (references already written as ``Ref`` / ``Fn::GetAtt``)
and returns CloudFormation resources by logical id. Most are one to one (``aws_sqs_queue`` is
``AWS::SQS::Queue``); ``aws_cloudwatch_event_rule`` gathers its ``aws_cloudwatch_event_target``
blocks, as CloudFormation writes a rule's targets inside the rule.
"""

from __future__ import annotations

from typing import Any, Callable

# Terraform attribute -> what it is in CloudFormation: "Ref", or the GetAtt attribute.
ATTRIBUTES = {"id": "Ref", "name": "Ref", "function_name": "Ref", "url": "Ref", "arn": "Arn", "qualified_arn": "Arn",
              "api_endpoint": "ApiEndpoint"}
# Where a kind's attributes differ from ATTRIBUTES'.
KIND_ATTRIBUTES = {
    "aws_sqs_queue": {**ATTRIBUTES, "name": "QueueName"},  # a queue's Ref is its URL
    "aws_cognito_user_pool": {**ATTRIBUTES, "endpoint": "ProviderName"},  # the issuer without https://
    "aws_cognito_user_pool_client": {**ATTRIBUTES, "name": "Name", "client_secret": "ClientSecret"},
}


def attribute(kind: str, name: str, attribute_name: str) -> Any:
    """``aws_sqs_queue.q.arn`` as ``{"Fn::GetAtt": ["aws_sqs_queue.q", "Arn"]}``, ``.id`` as a ``Ref``..."""
    logical_id = f"{kind}.{name}"
    if attribute_name == "invoke_arn":  # what an API Gateway integration calls the function by
        return {"Fn::Join": ["", ["arn:aws:apigateway:", {"Ref": "AWS::Region"}, ":lambda:path/2015-03-31/functions/",
                                  {"Fn::GetAtt": [logical_id, "Arn"]}, "/invocations"]]}
    if attribute_name == "execution_arn":
        return {"Fn::Join": ["", ["arn:aws:execute-api:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, ":",
                                  {"Ref": logical_id}]]}
    meaning = KIND_ATTRIBUTES.get(kind, ATTRIBUTES).get(attribute_name, attribute_name)
    return {"Ref": logical_id} if meaning == "Ref" else {"Fn::GetAtt": [logical_id, meaning]}


def _block(value: Any) -> dict:
    """A nested block: HCL gives a list of one mapping, JSON either form."""
    if isinstance(value, list):
        return value[0] if value else {}
    return value or {}


def _set(properties: dict[str, Any], **values: Any) -> dict[str, Any]:
    """``properties`` with the given values that are set (Terraform leaves an argument out, not empty)."""
    return {**properties, **{key: value for key, value in values.items() if value not in (None, {}, [])}}


def _pascal_case(block: dict) -> dict:
    """A block's arguments with CloudFormation's names: ``minimum_length`` -> ``MinimumLength``."""
    return {"".join(part.title() for part in key.split("_")): value for key, value in block.items()}


def _one(kind: str, properties: dict[str, Any]) -> dict[str, dict]:
    return {"Type": kind, "Properties": properties}


def function(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    if args.get("s3_bucket"):
        code: Any = {"S3Bucket": args["s3_bucket"], "S3Key": args.get("s3_key", "")}
    else:
        code = module.code_path(args.get("filename"))
    tracing = _block(args.get("tracing_config")).get("mode")
    return {f"{kind}.{name}": _one("AWS::Lambda::Function", _set(
        {}, FunctionName=args.get("function_name"), Handler=args.get("handler"), Runtime=args.get("runtime"),
        Timeout=args.get("timeout"), MemorySize=args.get("memory_size"), Code=code, Role=args.get("role"),
        PackageType=args.get("package_type"), Layers=args.get("layers"),
        ReservedConcurrentExecutions=args.get("reserved_concurrent_executions"),
        Environment={"Variables": _block(args.get("environment")).get("variables") or {}},
        TracingConfig={"Mode": tracing} if tracing else None))}


def queue(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    fifo = bool(args.get("fifo_queue"))
    # Terraform names an unnamed queue itself; the label reads better than its random name.
    queue_name = args.get("name") or (f"{name}.fifo" if fifo else name)
    return {f"{kind}.{name}": _one("AWS::SQS::Queue", _set(
        {}, QueueName=queue_name, FifoQueue=fifo or None, VisibilityTimeout=args.get("visibility_timeout_seconds"),
        DelaySeconds=args.get("delay_seconds"), MessageRetentionPeriod=args.get("message_retention_seconds"),
        RedrivePolicy=args.get("redrive_policy")))}


def event_source_mapping(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    return {f"{kind}.{name}": _one("AWS::Lambda::EventSourceMapping", _set(
        {}, EventSourceArn=args.get("event_source_arn"), FunctionName=args.get("function_name"),
        BatchSize=args.get("batch_size"), Enabled=args.get("enabled"),
        MaximumBatchingWindowInSeconds=args.get("maximum_batching_window_in_seconds"),
        FunctionResponseTypes=args.get("function_response_types")))}


def rule(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    """A rule and the ``aws_cloudwatch_event_target`` blocks whose ``rule`` names it."""
    logical_id = f"{kind}.{name}"
    targets = []
    for target_name, target in module.configuration.get("resource", {}).get("aws_cloudwatch_event_target", {}).items():
        target = module.value(target, f"resource.aws_cloudwatch_event_target.{target_name}")
        if target.get("rule") in ({"Ref": logical_id}, args.get("name"), name):
            targets.append(_set({"Id": target.get("target_id", target_name), "Arn": target.get("arn")},
                                Input=target.get("input")))
    disabled = args.get("is_enabled") is False or str(args.get("state", "")).upper() == "DISABLED"
    return {logical_id: _one("AWS::Events::Rule", _set(
        {}, Name=args.get("name") or name, ScheduleExpression=args.get("schedule_expression"),
        EventPattern=args.get("event_pattern"), State="DISABLED" if disabled else "ENABLED", Targets=targets))}


def schedule(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    target = _block(args.get("target"))
    return {f"{kind}.{name}": _one("AWS::Scheduler::Schedule", _set(
        {}, Name=args.get("name") or name, ScheduleExpression=args.get("schedule_expression"),
        ScheduleExpressionTimezone=args.get("schedule_expression_timezone"), State=args.get("state"),
        Target=_set({"Arn": target.get("arn")}, Input=target.get("input"))))}


def event_invoke_config(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    destinations = _block(args.get("destination_config"))
    return {f"{kind}.{name}": _one("AWS::Lambda::EventInvokeConfig", _set(
        {}, FunctionName=args.get("function_name"), MaximumRetryAttempts=args.get("maximum_retry_attempts"),
        MaximumEventAgeInSeconds=args.get("maximum_event_age_in_seconds"),
        DestinationConfig={condition: {"Destination": _block(destinations.get(key)).get("destination")}
                           for key, condition in (("on_failure", "OnFailure"), ("on_success", "OnSuccess"))
                           if destinations.get(key)}))}


def http_api(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    cors = _block(args.get("cors_configuration"))
    return {f"{kind}.{name}": _one("AWS::ApiGatewayV2::Api", _set(
        {}, Name=args.get("name"), ProtocolType=args.get("protocol_type"), Target=args.get("target"),
        RouteKey=args.get("route_key"),
        CorsConfiguration=_pascal_case(cors)))}


def integration(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    return {f"{kind}.{name}": _one("AWS::ApiGatewayV2::Integration", _set(
        {}, ApiId=args.get("api_id"), IntegrationType=args.get("integration_type"),
        IntegrationUri=args.get("integration_uri"), PayloadFormatVersion=args.get("payload_format_version")))}


def route(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    return {f"{kind}.{name}": _one("AWS::ApiGatewayV2::Route", _set(
        {}, ApiId=args.get("api_id"), RouteKey=args.get("route_key"), Target=args.get("target"),
        AuthorizationType=args.get("authorization_type"), AuthorizerId=args.get("authorizer_id"),
        AuthorizationScopes=args.get("authorization_scopes")))}


def authorizer(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    jwt = _block(args.get("jwt_configuration"))
    return {f"{kind}.{name}": _one("AWS::ApiGatewayV2::Authorizer", _set(
        {}, ApiId=args.get("api_id"), Name=args.get("name") or name, AuthorizerType=args.get("authorizer_type"),
        IdentitySource=args.get("identity_sources"), AuthorizerUri=args.get("authorizer_uri"),
        AuthorizerPayloadFormatVersion=args.get("authorizer_payload_format_version"),
        EnableSimpleResponses=args.get("enable_simple_responses"),
        AuthorizerResultTtlInSeconds=args.get("authorizer_result_ttl_in_seconds"),
        JwtConfiguration=_set({}, Issuer=jwt.get("issuer"), Audience=jwt.get("audience"))))}


def user_pool(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    password = _block(args.get("password_policy"))
    return {f"{kind}.{name}": _one("AWS::Cognito::UserPool", _set(
        {}, UserPoolName=args.get("name"), AliasAttributes=args.get("alias_attributes"),
        UsernameAttributes=args.get("username_attributes"), AutoVerifiedAttributes=args.get("auto_verified_attributes"),
        MfaConfiguration=args.get("mfa_configuration"),
        Policies={"PasswordPolicy": _pascal_case(password)} if password else None))}


def user_pool_client(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    return {f"{kind}.{name}": _one("AWS::Cognito::UserPoolClient", _set(
        {}, ClientName=args.get("name"), UserPoolId=args.get("user_pool_id"), GenerateSecret=args.get("generate_secret"),
        ExplicitAuthFlows=args.get("explicit_auth_flows"), AccessTokenValidity=args.get("access_token_validity"),
        IdTokenValidity=args.get("id_token_validity"), RefreshTokenValidity=args.get("refresh_token_validity")))}


def user_group(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
    return {f"{kind}.{name}": _one("AWS::Cognito::UserPoolGroup", _set(
        {}, GroupName=args.get("name"), UserPoolId=args.get("user_pool_id"), Description=args.get("description"),
        Precedence=args.get("precedence"), RoleArn=args.get("role_arn")))}


def data_resource(cloudformation_type: str, **names: str) -> Callable[[Any, str, str, dict], dict[str, dict]]:
    """A converter for a resource kept as data: ``names`` maps CloudFormation properties to Terraform arguments."""
    def convert(module: Any, kind: str, name: str, args: dict) -> dict[str, dict]:
        return {f"{kind}.{name}": _one(cloudformation_type, _set({}, **{key: args.get(argument)
                                                                          for key, argument in names.items()}))}
    return convert


CONVERTERS: dict[str, Callable[[Any, str, str, dict], dict[str, dict]]] = {
    "aws_lambda_function": function,
    "aws_sqs_queue": queue,
    "aws_lambda_event_source_mapping": event_source_mapping,
    "aws_cloudwatch_event_rule": rule,
    "aws_cloudwatch_event_target": lambda module, kind, name, args: {},  # written inside its rule
    "aws_scheduler_schedule": schedule,
    "aws_lambda_function_event_invoke_config": event_invoke_config,
    "aws_apigatewayv2_api": http_api,
    "aws_apigatewayv2_integration": integration,
    "aws_apigatewayv2_route": route,
    "aws_apigatewayv2_authorizer": authorizer,
    "aws_cognito_user_pool": user_pool,
    "aws_cognito_user_pool_client": user_pool_client,
    "aws_cognito_user_group": user_group,
    "aws_apigatewayv2_stage": data_resource("AWS::ApiGatewayV2::Stage"),
    "aws_lambda_permission": data_resource("AWS::Lambda::Permission", FunctionName="function_name",
                                           Principal="principal"),
    "aws_iam_role": data_resource("AWS::IAM::Role", RoleName="name"),
    "aws_iam_role_policy": data_resource("AWS::IAM::Policy"),
    "aws_iam_policy": data_resource("AWS::IAM::ManagedPolicy"),
    "aws_iam_role_policy_attachment": data_resource("AWS::IAM::Policy"),
    "aws_cloudwatch_log_group": data_resource("AWS::Logs::LogGroup", LogGroupName="name"),
    "aws_sqs_queue_policy": data_resource("AWS::SQS::QueuePolicy"),
}
