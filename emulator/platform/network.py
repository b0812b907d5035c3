"""A process without network: every connection but loopback refused, in Python's socket module.

The grader's test process installs it (see ``grader/sandbox.py``), and a function's own process
(``runtime/process_host.py``) installs it too when the process that starts it has it: a handler run
by the grader can reach the local cloud on 127.0.0.1 and nothing else. It guards Python's socket
calls, so it stops accidental connections (``requests.get``, boto3 without the local cloud), not
code written to get round it with raw system calls.

Pyodide (a browser tab) has no real sockets at all: emscripten's stand-ins cannot be bound, so
``SOCKETS_AVAILABLE`` tells the kit's parts that would listen on loopback to do without.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from . import IN_PYODIDE

SOCKETS_AVAILABLE = not IN_PYODIDE

_installed: list[bool] = []


def install_guard() -> None:
    """Refuse connections to anything but loopback (and Unix sockets), in this process."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(address: Any) -> None:
        if isinstance(address, tuple) and not is_loopback(address[0]):
            raise ConnectionRefusedError(
                f"no network in the grader's sandbox: the connection to {address[0]}:{address[1]} was refused "
                f"(the tests use the local cloud only)")

    def connect(self, address):
        check(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, port, *args, **kwargs):
        if host is not None and not is_loopback(host):
            raise socket.gaierror(f"no network in the grader's sandbox: {host} cannot be looked up")
        return real_getaddrinfo(host, port, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
    _installed.append(True)


def guarded() -> bool:
    """Whether this process has the guard (so the processes it starts for functions get it too)."""
    return bool(_installed)


def is_loopback(host: Any) -> bool:
    """Whether ``host`` (a name, an address, text or bytes) is this machine's loopback interface."""
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False
