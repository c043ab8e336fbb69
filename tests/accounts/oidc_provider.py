"""A tiny OpenID Connect provider on 127.0.0.1, in a thread, for single sign-on tests.

It does what a real provider does in the authorisation-code flow with PKCE: /authorize issues
a one-use code for whoever `sign_in_as` names and redirects back; /token checks the client's
secret, the redirect URI and the PKCE verifier and returns an RS256-signed ID token (a key
generated for the run) and an access token; /userinfo answers for that access token; /jwks
publishes the public key. Nothing leaves the machine.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "breachtracker-test"
CLIENT_SECRET = secrets.token_urlsafe(24)


class Provider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-" + secrets.token_hex(4)
        self.claims: dict[str, Any] = {}
        self.audience = CLIENT_ID
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        # Claims the user-details endpoint answers with instead of the signed-in user's (a
        # provider, or someone in between, answering for another user).
        self.userinfo_override: dict[str, Any] | None = None
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict[str, Any]:
        return {
            "BREACHTRACKER_OIDC": True,
            "BREACHTRACKER_OIDC_ISSUER": self.url,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
        }

    def sign_in_as(self, **claims: Any) -> None:
        """Who signs in at the provider next (the claims it will vouch for)."""
        self.claims = claims

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        payload = {"iss": self.url, "aud": self.audience, "iat": now, "exp": now + 300, **self.claims}
        if nonce is not None:
            payload["nonce"] = nonce
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                        return self._json(400, {"error": "invalid_request"})
                    code = secrets.token_urlsafe(16)
                    with provider.lock:
                        provider.codes[code] = {
                            "nonce": query.get("nonce"), "redirect_uri": query["redirect_uri"],
                            "challenge": query.get("code_challenge"), "claims": dict(provider.claims),
                        }
                    self.send_response(302)
                    self.send_header("Location", f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}")
                    self.end_headers()
                elif url.path == "/jwks":
                    self._json(200, provider.jwks())
                elif url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    with provider.lock:
                        claims = provider.access_tokens.get(token)
                        if claims is not None and provider.userinfo_override is not None:
                            claims = provider.userinfo_override
                    self._json(200, claims) if claims is not None else self._json(401, {"error": "invalid_token"})
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                if self.path != "/token":
                    return self._json(404, {"error": "not_found"})
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with provider.lock:
                    grant = provider.codes.pop(form.get("code", ""), None)  # a code works once
                if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                    return self._json(401, {"error": "invalid_client"})
                if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                    return self._json(400, {"error": "invalid_grant"})
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if grant["challenge"] and challenge != grant["challenge"]:
                    return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
                access = secrets.token_urlsafe(16)
                saved = provider.claims
                provider.claims = grant["claims"]
                try:
                    id_token = provider.id_token(grant["nonce"])
                finally:
                    provider.claims = saved
                with provider.lock:
                    provider.access_tokens[access] = grant["claims"]
                self._json(200, {"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token})

        return Handler
