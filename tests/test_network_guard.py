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
