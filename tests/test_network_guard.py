import socket

import pytest


def test_connection_to_a_public_address_fails_loudly():
    # The guard raises conftest.NetworkAccessError, an AssertionError (so no code can swallow it as an OSError).
    with socket.socket() as sock, pytest.raises(AssertionError, match="never leave this machine"):
        sock.connect(("203.0.113.10", 443))


def test_boto3_without_moto_cannot_reach_aws():
    import boto3
    client = boto3.client("sqs", region_name="us-east-1")
    with pytest.raises(Exception, match="tests must never leave this machine") as raised:
        client.list_queues()
    assert "sqs.us-east-1.amazonaws.com" in str(raised.value)


def test_each_cloud_gets_a_fresh_default_session_that_reads_no_model_twice():
    """moto drops boto3's default session when a cloud starts, so nothing cached before (credentials,
    handlers) carries over; the kit's new session shares the already-read service models."""
    import boto3

    from emulator import LocalCloud

    sessions, loaders = [], []
    for _ in range(2):
        with LocalCloud() as cloud:
            cloud.sqs.list_queues()
            sessions.append(boto3.DEFAULT_SESSION)
            loaders.append(boto3.DEFAULT_SESSION._session.get_component("data_loader"))
    assert sessions[0] is not sessions[1] and loaders[0] is loaders[1]
