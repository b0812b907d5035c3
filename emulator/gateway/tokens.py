"""Tokens: the JSON Web Tokens (JWTs) that an HTTP API's JWT authorizer checks.

A JWT is three base64url parts joined by dots: a header (which algorithm and which key signed it,
``kid``), the claims (who the caller is, ``sub``; who issued the token, ``iss``; which application
it is for, ``aud`` or ``client_id``; when it expires, ``exp``; what it allows, ``scope``), and a
signature. An identity provider such as Amazon Cognito signs tokens with its private key and
publishes the public half at its ``jwks_uri``; API Gateway fetches that key set and checks every
token's signature and claims before your function runs.

Here the identity provider is the kit itself: :func:`mint_token` signs tokens with a local RSA key
and :func:`verify_token` checks them the way API Gateway does. The key is in this source file, so it
is public: a token signed with it proves nothing anywhere else. Never configure a real API to trust it.

RSA signatures need the ``cryptography`` package (through PyJWT's RSA algorithms). It is imported
only when a token is minted or checked, so the rest of the kit runs where it is missing (a browser).
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any, Iterable

LOCAL_KEY_ID = "lambda-lab-local-key"
# HTTP API JWT authorizers accept RSA signatures only.
ALGORITHMS = ("RS256", "RS384", "RS512")

# The kit's signing key: public on purpose (see the module docstring), for local tokens only.
LOCAL_PRIVATE_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDlMFsD+s/2u5y7
+rkpYbg/2anQAk5FjzSPEFKUBlxwE0RO+ygfMWpriC/cunsvpu16ziSHENn6Ekdv
Q/Ev0iLzJPLZ2wyl9CXMvq7gi96nXqOM3dUMjYxm33BjIy7ktdfJOCdResKENu7F
+m6iyClQqx4JHEWctey0SVNjFM9kDWbj3NXAJKqMDElsfuNl2EVXqN9WO/qQthtT
RUldde5e+TFEuISCWv7q/BR3yFV0x2JXenGPdGK5pznmgLFeHA8EE+71TxDv861m
N/+djD+yPi4qK5a/LEL1Mt8WsAwxlDNyRiqOYnoHuCJQrY/7AF2hleFNP4gyAadQ
4UbqXiLVAgMBAAECggEAL9P2AnAaax5+2Fm7v0+FwElfnymEBQ8cBEj/OqXTL45N
wH+4QT4yO6uJdXIzF+ApiemwBMG3A3FCGA2hLP4Yzg3lYiJM0usO4lneq7x0pA/j
aJe4iKyXYrZ5QS8L762lEPhXeDD6m9XM4WLgKLdFq/BxzavpOQlcEsmEjdY/a1zd
gjkhlfvNAAW/rlpff5qwvmxwNGjmzAreQnu2atxDDAOJ8aFi9OE71ockRRvtEqA8
o7WvIPhns8Wa6hb5pFN7GA20Ov/lyGPkm4mllm0VHFZEvU+BHPQlw2Gg6mtUySrl
hnq8zV7/6FqBiUxZH2rY9hmxpxWvOohaWLOmO7QvlwKBgQD2CJdF7VgeH5Quc940
GT3gXOQhbg4trpRtnIPDlW4ykZFV8tfgm7jXzZxt52KGPYpoIOP/JzEbjdskACAI
4cJScALZqtWbFJ0C3ch2jv1nX7rGnpagKp1ZLBv2Y9rcQBdqHltIrylVqi9DzYLh
DsfsmIFy/Eploa/2IImiHQRJYwKBgQDueRUkLDV0iH68tq6riYvQ115xuf+/5Ne1
MdHMyaL5nTuR9bsUmTOsdWWDY0YRuuWAiUwqpeRYYRKrJWnOmYx27VtEgP0qfeTP
/7G2HDzi8kj7wTlKxDD4wAz0ZYWViV0jv6LUng8y2L/DMl8iHoHw5DFO9T3Bg9Uf
4MydgTm0ZwKBgGjh7KrwrRnaWG8dEeKfyBL3RoFBy2WKANhhWoJsF1gTWiOLrJ+h
gsDsc/0eIJAdd/0/2DITYQngBUVpkD55Dz/ZZD2qZ/j+ZpisNyLjff8tfg/h11Bc
GkvDVABLPSebYt/oJP3tPe+45wE+gMa0aGHh+X0tNAHzVXHVGRc0y3kFAoGBAL+u
p+Wpe1YuGOELXh8XskCtvIZhYUcXZKOKZf7b3JoTXjyWbkfCVRy8SFpxw3Kg7bSB
p61oJsE7VcwniIK+PX+ijgfkPpqXEwJ1npyo2e/5m9xwleKZDFwF0uPnbpaiETGY
6gNJASJ3wrvdk0ZTi1LbuR6kVX1kwDydbxrzMjTlAoGBALBlznMOji8AU/JDxgmG
jJTTo92DcnSEpyWwvbMDqIJYo0Qjrn6NdgJrG7oPlFzi33GWmG3ofoMIzbyFQQB3
soQSB2igskcbUNXljw12UxRZkcfriS9A+Q2pxIFFZ3BhfYFUaPsHvJLKcY/dDhL9
Qm0Io3MLNTmMgT+D77Ir0vVa
-----END PRIVATE KEY-----
"""


class InvalidToken(Exception):
    """A token API Gateway would refuse; the message says which check failed."""


def _jwt() -> ModuleType:
    """PyJWT, with the RSA algorithms that the ``cryptography`` package gives it, or an error saying so."""
    try:
        import cryptography  # noqa: F401 (PyJWT signs and checks RSA through it)
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            "RS256 tokens (a JWT authorizer's) are signed and checked with the 'cryptography' package, "
            "which this Python does not have: install it (pip install cryptography) to mint or verify "
            "tokens; everything else in the local cloud works without it", name="cryptography") from error
    import jwt
    return jwt


@functools.cache
def _private_key():
    rsa = _jwt().algorithms.RSAAlgorithm
    return rsa(rsa.SHA256).prepare_key(LOCAL_PRIVATE_KEY_PEM)


def jwks() -> dict[str, Any]:
    """The public key set, as an issuer publishes it at its ``jwks_uri`` (what API Gateway fetches)."""
    key = _jwt().algorithms.RSAAlgorithm.to_jwk(_private_key().public_key(), as_dict=True)
    return {"keys": [{**key, "kid": LOCAL_KEY_ID, "alg": "RS256", "use": "sig"}]}


def mint_token(claims: dict[str, Any] | None = None, *, issuer: str, audience: str | Iterable[str],
               expires_in: float = 3600, scopes: Iterable[str] = (), subject: str = "student",
               now: datetime | None = None) -> str:
    """A signed token (an RS256 JWT) for ``audience`` from ``issuer``, valid for ``expires_in`` seconds.

    ``claims`` are added to (or replace) the standard ones: ``iss``, ``sub``, ``aud``, ``iat``,
    ``exp``, ``jti`` and ``scope`` (the ``scopes`` joined by spaces, as OAuth 2.0 writes them). A
    negative ``expires_in`` gives a token that has already expired. ``now`` defaults to the current
    time, which is the virtual clock while a LocalCloud runs.
    """
    issued = now or datetime.now(timezone.utc)
    audiences = [audience] if isinstance(audience, str) else list(audience)
    payload: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": audiences[0] if len(audiences) == 1 else audiences,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=expires_in)).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    scopes = list(scopes)
    if scopes:
        payload["scope"] = " ".join(scopes)
    payload.update(claims or {})
    return _jwt().encode(payload, _private_key(), algorithm="RS256", headers={"kid": LOCAL_KEY_ID})


def verify_token(token: str, *, issuer: str, audience: Iterable[str], now: datetime,
                 issuer_keys: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """The token's claims if API Gateway's JWT checks pass, else :class:`InvalidToken` saying which failed.

    The checks, in API Gateway's order: the header names an RSA algorithm and a key (``kid``) of
    the issuer's key set; the signature is valid; ``iss`` is the authorizer's issuer; ``aud`` (or
    ``client_id``, which Cognito access tokens carry instead) is one of its audiences; ``exp`` is
    after ``now``; ``nbf``, if present, is not after ``now``. The key set is the kit's local key
    plus ``issuer_keys`` (JWKs, as the issuer's ``jwks_uri`` lists them: a local user pool's keys).
    """
    jwt = _jwt()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as error:
        raise InvalidToken(f"the token is not a JWT ({error})") from None
    if header.get("alg") not in ALGORITHMS:
        raise InvalidToken(f"the token is signed with {header.get('alg')!r}; only RSA algorithms "
                           f"({', '.join(ALGORITHMS)}) are accepted")
    keys = {LOCAL_KEY_ID: _private_key().public_key(), **{key["kid"]: key for key in issuer_keys}}
    if header.get("kid") not in keys:
        raise InvalidToken(f"the token's key id (kid) {header.get('kid')!r} is not in the issuer's key set")
    key = keys[header["kid"]]
    if isinstance(key, dict):
        key = jwt.PyJWK(key).key
    try:
        claims = jwt.decode(token, key, algorithms=list(ALGORITHMS),
                            options={"verify_aud": False, "verify_iss": False, "verify_exp": False,
                                     "verify_nbf": False, "verify_iat": False})
    except jwt.InvalidTokenError as error:
        raise InvalidToken(f"the token's signature does not verify ({error})") from None
    if claims.get("iss") != issuer:
        raise InvalidToken(f"the token's issuer (iss) {claims.get('iss')!r} is not {issuer!r}")
    _check_audience(claims, list(audience))
    _check_times(claims, now.timestamp())
    return claims


def _check_audience(claims: dict[str, Any], audience: list[str]) -> None:
    token_audiences = claims.get("aud", [])
    token_audiences = [token_audiences] if isinstance(token_audiences, str) else list(token_audiences)
    if claims.get("client_id") is not None:
        token_audiences.append(claims["client_id"])
    if not set(token_audiences) & set(audience):
        raise InvalidToken(f"the token's audience (aud/client_id) {token_audiences} is not one of {audience}")


def _check_times(claims: dict[str, Any], now: float) -> None:
    expires = claims.get("exp")
    if not isinstance(expires, (int, float)):
        raise InvalidToken("the token has no expiry time (exp)")
    if expires <= now:
        raise InvalidToken(f"the token expired at {_utc(expires)} (now is {_utc(now)})")
    not_before = claims.get("nbf")
    if isinstance(not_before, (int, float)) and not_before > now:
        raise InvalidToken(f"the token is not valid before {_utc(not_before)} (now is {_utc(now)})")


def _utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
