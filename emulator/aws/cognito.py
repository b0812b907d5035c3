"""Amazon Cognito user pools, as moto runs them: the keys their tokens are signed with.

A user pool signs the ID and access tokens it gives out with a private key of its own, and publishes
the public half at ``https://cognito-idp.REGION.amazonaws.com/POOL_ID/.well-known/jwks.json`` (the
token's issuer, ``iss``, followed by ``/.well-known/jwks.json``). An HTTP API's JWT authorizer
fetches that key set to check each token's signature.

In the local cloud the user pools are moto's (plain boto3 ``cognito-idp`` calls: create a pool, its
users and groups, sign in), and moto signs every pool's tokens with the one key it ships. So the key
set of an issuer that names one of this account's pools is moto's public key set, and an issuer that
names no pool has none, as its URL would answer nothing. With an endpoint (LocalStack, a moto server)
the pools are the server's: the keys are those it publishes at ``ENDPOINT/POOL_ID/.well-known/jwks.json``.
"""

from __future__ import annotations

import functools
import json
import re
import urllib.request
from typing import Any

# Cognito's issuer: https://cognito-idp.<region>.amazonaws.com/<user pool id>
ISSUER = re.compile(r"https://cognito-idp\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<pool>[\w-]+)")


@functools.cache
def _moto_key_set() -> tuple[dict[str, Any], ...]:
    from moto.utilities.utils import load_resource
    return tuple(load_resource("cognitoidp/resources/jwks-public.json")["keys"])


def issuer_keys(issuer: str, account_id: str, endpoint_url: str | None = None) -> list[dict[str, Any]]:
    """The public keys (JWKs) of ``issuer`` if it is a user pool of ``account_id`` (in moto, or in the
    server at ``endpoint_url``), else none."""
    match = ISSUER.fullmatch(issuer)
    if match is None:
        return []
    if endpoint_url is not None:
        return _published_keys(endpoint_url, match["region"], match["pool"])
    from moto.cognitoidp.models import cognitoidp_backends
    try:
        pools = cognitoidp_backends[account_id][match["region"]].user_pools
    except KeyError:  # not a region moto knows
        return []
    if match["pool"] not in pools:
        return []
    return [dict(key) for key in _moto_key_set()]


def _published_keys(endpoint_url: str, region: str, pool: str) -> list[dict[str, Any]]:
    """The key set a server publishes for one of its pools; none if it has no such pool."""
    import boto3
    from botocore.exceptions import ClientError
    try:
        boto3.client("cognito-idp", region_name=region, endpoint_url=endpoint_url).describe_user_pool(UserPoolId=pool)
    except ClientError:  # a moto server answers a key set for any id: ask whether the pool exists first
        return []
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # a local server, whatever *_proxy says
    with direct.open(f"{endpoint_url.rstrip('/')}/{pool}/.well-known/jwks.json", timeout=10) as answer:
        return list(json.load(answer).get("keys", []))
