"""boto3's default session, made again for every local cloud, without reading AWS's models again.

When moto starts it drops boto3's default session (``boto3.DEFAULT_SESSION = None``), so that the next
``boto3.client(...)`` makes a session that has moto's handlers and no credentials cached from before.
A new botocore session also means a new *loader*: the component that reads botocore's service models
(``sqs/…/service-2.json``, the endpoints, the paginators) from disk, which is most of the 80 ms a first
client of a service costs. The models are plain data that never change while the process runs, so
every default session the kit makes shares one loader: a client then costs about 10 ms, and a
notebook, a check or a test that makes a fresh cloud each time stops paying to read them again.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _shared_loader() -> Any:
    """The loader of AWS's service models that every default session of the kit uses."""
    import botocore.session
    return botocore.session.Session().get_component("data_loader")


def renew_if_dropped() -> None:
    """If boto3 has no default session, give it a fresh one (new handlers, no credentials) that reads
    no model twice."""
    import boto3
    import botocore.session
    if boto3.DEFAULT_SESSION is not None:
        return
    session = botocore.session.Session()
    session.register_component("data_loader", _shared_loader())
    boto3.setup_default_session(botocore_session=session)
