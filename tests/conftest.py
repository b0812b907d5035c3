"""Test-wide safety: fake AWS credentials, and no connection may leave this machine.

Every test runs with credentials that work nowhere but in moto, and with ``socket.connect`` guarded:
a connection to anything but a loopback address fails the test loudly, naming the address.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

# LAMBDA_LAB_ENDPOINT_URL too: an instructor's LocalStack setting must not change what the suite tests.
for _name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE",
              "AWS_SHARED_CREDENTIALS_FILE", "LAMBDA_LAB_ENDPOINT_URL"):
    os.environ.pop(_name, None)
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                  AWS_SESSION_TOKEN="testing", AWS_DEFAULT_REGION="us-east-1")



class NetworkAccessError(AssertionError):
    """A test tried to open a connection that would leave the machine."""


def _is_local(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: resolving it would already be a network request


def _guard(original):
    def connect(sock, address, *args, **kwargs):
        if not _is_local(address):
            raise NetworkAccessError(f"test tried to connect to {address!r}: tests must never leave this machine")
        return original(sock, address, *args, **kwargs)
    return connect


def _guard_lookup(original):
    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_local((host.decode() if isinstance(host, bytes) else host, 0)):
            raise NetworkAccessError(f"test tried to look up {host!r}: tests must never leave this machine")
        return original(host, *args, **kwargs)
    return getaddrinfo


socket.socket.connect = _guard(socket.socket.connect)
socket.socket.connect_ex = _guard(socket.socket.connect_ex)
socket.getaddrinfo = _guard_lookup(socket.getaddrinfo)


@pytest.fixture
def write_handler(tmp_path):
    """Write a handler module into a fresh folder and return the folder: write_handler(code, name=...)."""
    def write(code: str, folder: str = "fn", module: str = "lambda_function") -> Path:
        directory = tmp_path / folder
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{module}.py").write_text(code)
        return directory
    return write


@pytest.fixture
def cloud():
    """A running LocalCloud at a fixed virtual time."""
    from datetime import datetime, timezone

    from emulator import LocalCloud
    with LocalCloud(start_time=datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)) as running:
        yield running


@pytest.fixture
def load():
    """load(path, **options) -> a started cloud built from any kind of template (SAM, CloudFormation,
    Terraform, serverless.yml), its clock at 2026-01-05 00:00 UTC; stopped after the test."""
    from datetime import datetime, timezone

    from emulator import LocalCloud
    clouds = []

    def build(path, **options):
        clouds.append(LocalCloud.from_template(path, start_time=datetime(2026, 1, 5, tzinfo=timezone.utc), **options))
        return clouds[-1]

    yield build
    for cloud in clouds:
        cloud.stop()
