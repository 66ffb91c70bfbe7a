"""A real OpenID-style issuer for tests: discovery + JWKS over HTTP on 127.0.0.1.

It generates its own keys, can publish new ones (rotation), signs any claims with any of them,
and counts the requests it serves so tests can check how often a verifier refetches keys.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

AUDIENCE = "otel-bi-api"
SCOPE = "bi.read"


@dataclass
class SigningKey:
    kid: str
    alg: str
    private_key: Any
    publish_alg: bool = True

    def public_jwk(self) -> dict[str, Any]:
        public = self.private_key.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(public))
        else:
            jwk = json.loads(ECAlgorithm.to_jwk(public))
        jwk.update(kid=self.kid, use="sig")
        if self.publish_alg:
            jwk["alg"] = self.alg
        return jwk

    def public_pem(self) -> bytes:
        pem: bytes = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem


class OidcIssuer:
    """Serves `/.well-known/openid-configuration` and `/jwks`; use as a context manager."""

    def __init__(self) -> None:
        self.keys: list[SigningKey] = []
        self.current: SigningKey = self.add_key()
        self.requests: dict[str, int] = {"discovery": 0, "jwks": 0}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # A short poll interval keeps shutdown (one per test) from costing half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/jwks"

    def __enter__(self) -> OidcIssuer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def add_key(self, alg: str = "RS256", *, publish_alg: bool = True) -> SigningKey:
        """Generate and publish a new key (it is served by the next JWKS request)."""
        if alg.startswith("ES"):
            private: Any = ec.generate_private_key(ec.SECP256R1())
        else:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key = SigningKey(uuid.uuid4().hex, alg, private, publish_alg)
        self.keys.append(key)
        return key

    def rotate(self) -> SigningKey:
        """Publish a new RSA key and sign with it from now on."""
        self.current = self.add_key()
        return self.current

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "aud": AUDIENCE,
            "sub": "alice",
            "scope": SCOPE,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def sign(
        self,
        claims: dict[str, Any] | None = None,
        *,
        key: SigningKey | None = None,
        alg: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        """A JWT of `claims` (default: a valid token) signed with `key` (default: current)."""
        key = key or self.current
        header = {"kid": key.kid, **(headers or {})}
        payload = self.claims() if claims is None else claims
        return jwt.encode(payload, key.private_key, algorithm=alg or key.alg, headers=header)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    issuer._count("discovery")
                    body: dict[str, Any] = {"issuer": issuer.url, "jwks_uri": issuer.jwks_url}
                elif self.path == "/jwks":
                    issuer._count("jwks")
                    body = {"keys": [key.public_jwk() for key in list(issuer.keys)]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def _count(self, name: str) -> None:
        with self._lock:
            self.requests[name] += 1
