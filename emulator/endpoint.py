"""One setting that points the kit at another AWS endpoint: LocalStack, a moto server, ...

Some instructors prefer a shared emulator that runs as a server (LocalStack on
``http://localhost:4566``, ``moto_server`` on ``http://127.0.0.1:5000``). Set the environment variable
``LAMBDA_LAB_ENDPOINT_URL`` to its address, and ``python -m emulator deploy`` / ``destroy`` send every
AWS call there instead of to AWS (the ``--endpoint-url`` option does the same for one command).

boto3 has its own setting for this, ``AWS_ENDPOINT_URL``; the kit uses a name of its own so that a
student's AWS configuration never redirects the kit, and the kit never redirects the student's other
tools.

Where we cannot be faithful: an endpoint server does not check credentials, so when none are
configured the kit signs its calls with placeholder ones.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

ENDPOINT_VARIABLE = "LAMBDA_LAB_ENDPOINT_URL"
# What LocalStack and moto_server accept: any key works, so these name nobody's account.
PLACEHOLDER_CREDENTIALS = {"aws_access_key_id": "lambda-lab", "aws_secret_access_key": "lambda-lab"}


class EndpointError(ValueError):
    """The endpoint setting is not a URL the kit can send AWS calls to."""


def endpoint_url(explicit: str | None = None) -> str | None:
    """The endpoint to use: ``explicit`` if given, else ``$LAMBDA_LAB_ENDPOINT_URL``, else None (AWS itself).

    Raises :class:`EndpointError`, naming where the value came from, when it is not an http(s) URL.
    """
    source, value = ("--endpoint-url", explicit) if explicit else (ENDPOINT_VARIABLE, os.environ.get(ENDPOINT_VARIABLE))
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointError(f"{source} is {value!r}, which is not an endpoint URL: write it as "
                            f"http://HOST:PORT, e.g. http://localhost:4566 for LocalStack")
    return value.rstrip("/")
