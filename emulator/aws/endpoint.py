"""One setting that points the kit at another AWS endpoint: LocalStack, a moto server, ...

Some instructors prefer a shared emulator that runs as a server (LocalStack on
``http://localhost:4566``, ``moto_server`` on ``http://127.0.0.1:5000``). Set the environment variable
``LAMBDA_LAB_ENDPOINT_URL`` to its address and the whole kit uses it:

- ``LocalCloud`` (so every notebook, and ``python -m emulator invoke / run / serve``) answers the AWS
  APIs from that server instead of moto in this process. Your notebook's boto3 calls and your
  handlers' go there; the Lambda runtime, the triggers and the virtual clock are still the kit's own,
  and the SQS pollers use the SQS API as Lambda's do (``queue_backends.py``, ``visibility.py``).
  When the cloud stops, it deletes what its process created on the server (``leftovers.py``).
- ``python -m emulator deploy`` / ``destroy`` create and delete the stack there instead of in AWS
  (the ``--endpoint-url`` option does the same for one command).

The autograder never uses it: ``check()`` and ``python -m grader`` always grade against moto in a
sandbox, so every student is graded the same way.

boto3 has its own setting for this, ``AWS_ENDPOINT_URL``; the kit uses a name of its own so that a
student's AWS configuration never redirects the kit, and the kit never redirects the student's other
tools.

Where we cannot be faithful: an endpoint server does not check credentials, so when none are
configured the kit signs its calls with placeholder ones.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ENDPOINT_VARIABLE = "LAMBDA_LAB_ENDPOINT_URL"
# What LocalStack and moto_server accept: any key works, so these name nobody's account.
PLACEHOLDER_CREDENTIALS = {"aws_access_key_id": "lambda-lab", "aws_secret_access_key": "lambda-lab"}
AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")  # AWS's own service endpoints


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


def notice(url: str) -> str:
    """The line the kit shows when a local cloud uses an endpoint, so nobody forgets the setting is on."""
    return (f"AWS APIs: answered by {url} ({ENDPOINT_VARIABLE}); your functions run here, "
            f"their triggers on the virtual clock.")


def local_endpoint_url(explicit: str | None = None) -> str | None:
    """The endpoint a LocalCloud may use instead of moto: like :func:`endpoint_url`, but never AWS itself.

    A LocalCloud signs its calls with fake credentials and must never reach a real account (only
    ``deploy``, after you confirm, does that), so an AWS host is refused with an explanation.
    """
    url = endpoint_url(explicit)
    host = (urlsplit(url).hostname or "") if url else ""
    if host.endswith(AWS_HOST_SUFFIXES):
        source = "endpoint_url" if explicit else ENDPOINT_VARIABLE
        raise EndpointError(f"{source} is {url!r}, which is AWS itself: the local cloud only talks to a local "
                            f"server such as LocalStack or moto_server. To run your functions on AWS, use "
                            f"python -m emulator deploy template.yaml --stack NAME")
    return url


def reach_endpoint(url: str, region: str) -> str:
    """Check that the server at ``url`` answers, and return its account id (STS GetCallerIdentity).

    ARNs the kit builds must name the server's account (moto's is 123456789012; LocalStack's is the
    12-digit access key id the cloud sets, the same number).
    Raises :class:`EndpointError` with what to do when nothing answers there.
    """
    sts = boto3.client("sts", region_name=region, endpoint_url=url,
                       config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))
    try:
        return sts.get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as error:
        raise EndpointError(
            f"no AWS endpoint answers at {url!r} ({error}). Start it first "
            f"(LocalStack: localstack start; moto: moto_server -H 127.0.0.1 -p 5000), or unset "
            f"{ENDPOINT_VARIABLE} to use the local cloud's own in-process moto") from None
