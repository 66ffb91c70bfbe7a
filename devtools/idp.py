"""Run the local OpenID provider (idp/, npm `oidc-provider`) and get tokens from it like a user.

`start_idp` starts `node idp/server.mjs` on 127.0.0.1 and returns once its discovery document
answers; `get_user_token` signs the demo user in through the provider's own login and consent
pages (Authorization Code + PKCE over plain HTTP, as a browser would) and returns the access token.
Used by `make up`, `make token` (scripts/token.py) and the tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

REPO_DIR = Path(__file__).resolve().parents[1]
IDP_DIR = REPO_DIR / "idp"
CONFIG_PATH = IDP_DIR / "config.json"
DEFAULT_PORT = 9000
READY_LINE = re.compile(rb"otel-bi-idp listening on (http://[0-9.]+:[0-9]+)")


def _config() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    return data


def _client(client_id: str) -> dict[str, Any]:
    for client in _config()["clients"]:
        if client["client_id"] == client_id:
            found: dict[str, Any] = client
            return found
    raise KeyError(client_id)


# The values below are read from idp/config.json so that there is one place to change them.
DEMO_USERNAME: str = _config()["users"][0]["username"]
DEMO_PASSWORD: str = _config()["users"][0]["password"]
CLI_CLIENT_ID = "otel-bi-cli"
CLI_CLIENT_SECRET: str = _client(CLI_CLIENT_ID)["client_secret"]
CLI_REDIRECT_URI: str = _client(CLI_CLIENT_ID)["redirect_uris"][0]
FRONTEND_CLIENT_ID = "otel-bi-frontend"
API_RESOURCE = "urn:otel-bi:api"
API_AUDIENCE: str = _config()["resources"][API_RESOURCE]["audience"]
API_SCOPE: str = _config()["resources"][API_RESOURCE]["scope"]


class IdpError(RuntimeError):
    """The provider could not be started, or refused a sign-in or token request."""


def ensure_installed() -> None:
    """Install idp/node_modules with `npm ci` when missing (the lockfile pins oidc-provider)."""
    if (IDP_DIR / "node_modules" / "oidc-provider" / "package.json").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise IdpError("npm is not installed; the local OpenID provider needs Node.js 20+ and npm")
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [npm, "ci", "--prefix", str(IDP_DIR), "--no-audit", "--no-fund"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise IdpError(f"npm ci --prefix idp failed:\n{result.stderr[-2000:]}")


@dataclass
class RunningIdp:
    """A provider process started by `start_idp`; `stop()` (or leaving the `with`) ends it."""

    issuer: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    _log: IO[bytes] = field(repr=False)

    @property
    def port(self) -> int:
        return int(self.issuer.rsplit(":", 1)[1])

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the process (SIGTERM, then SIGKILL after `timeout`) and close its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        self._log.close()

    def __enter__(self) -> RunningIdp:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _log_tail(path: Path, start: int) -> str:
    with path.open("rb") as handle:
        handle.seek(start)
        return handle.read()[-3000:].decode("utf-8", "replace")


def start_idp(
    *,
    data_dir: Path,
    port: int = DEFAULT_PORT,
    startup_timeout: float = 30.0,
    config: Path | None = None,
) -> RunningIdp:
    """Start the provider on 127.0.0.1:`port` (0 = any free port) with keys kept in `data_dir`.

    `config` replaces idp/config.json (tests use a copy with short token lifetimes).

    Returns once the discovery document answers with the expected issuer; raises `IdpError`
    with the end of the provider's log (`<data_dir>/idp.log`) if it exits or does not answer.
    """
    ensure_installed()
    node = shutil.which("node")
    if node is None:
        raise IdpError("node is not installed; the local OpenID provider needs Node.js 20+")
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "idp.log"
    log = log_path.open("ab")
    start = log.tell()
    arguments = [str(IDP_DIR / "server.mjs"), "--port", str(port), "--data-dir", str(data_dir)]
    if config is not None:
        arguments += ["--config", str(config)]
    process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
        [node, *arguments],
        cwd=IDP_DIR,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    running: RunningIdp | None = None
    deadline = time.monotonic() + startup_timeout
    last_error = "no ready line yet"
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise IdpError(
                    f"the OpenID provider exited with {process.returncode}:\n"
                    f"{_log_tail(log_path, start)}"
                )
            if running is None:
                match = READY_LINE.search(log_path.read_bytes()[start:])
                if match:
                    issuer = match.group(1).decode()
                    running = RunningIdp(issuer, data_dir, log_path, process, log)
            if running is not None:
                try:
                    response = httpx.get(f"{running.issuer}/.well-known/openid-configuration")
                    if response.status_code == 200 and response.json()["issuer"] == running.issuer:
                        return running
                    last_error = f"discovery answered {response.status_code}"
                except httpx.HTTPError as error:
                    last_error = repr(error)
            time.sleep(0.05)
        raise IdpError(
            f"the OpenID provider did not answer within {startup_timeout}s ({last_error}):\n"
            f"{_log_tail(log_path, start)}"
        )
    except BaseException:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        log.close()
        raise


class _Forms(HTMLParser):
    """Collects every <form> of a page with its action and named inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({"action": values.get("action", ""), "inputs": {}})
        elif tag == "input" and self.forms and "name" in values:
            self.forms[-1]["inputs"][values["name"]] = values.get("value", "")


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _walk_to_redirect(
    client: httpx.Client, response: httpx.Response, redirect_uri: str, credentials: dict[str, str]
) -> str:
    """Follow redirects and fill the login/consent forms until the provider sends us back."""
    for _ in range(12):
        if response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            if location.split("?", 1)[0] == redirect_uri:
                return location
            response = client.get(location)
            continue
        if response.status_code == 401:
            raise IdpError("the provider refused the username or password")
        if response.status_code != 200:
            raise IdpError(f"unexpected {response.status_code} from {response.url}")
        parser = _Forms()
        parser.feed(response.text)
        if not parser.forms:
            raise IdpError(f"no form on {response.url}: {response.text[:300]}")
        form = parser.forms[0]
        data = dict(form["inputs"])
        if "password" in data:
            data.update(credentials)
        response = client.post(urljoin(str(response.url), form["action"]), data=data)
    raise IdpError("too many steps in the sign-in flow")


def get_user_token(
    issuer: str,
    *,
    username: str = DEMO_USERNAME,
    password: str = DEMO_PASSWORD,
    client_id: str = CLI_CLIENT_ID,
    client_secret: str | None = CLI_CLIENT_SECRET,
    redirect_uri: str = CLI_REDIRECT_URI,
    scope: str = f"openid profile {API_SCOPE}",
    resource: str | None = None,
    timeout: float = 10.0,
) -> str:
    """Sign `username` in through the provider's pages (Authorization Code + PKCE) and return
    the access token. `client_secret=None` acts as a public client (the SPA's flow)."""
    issuer = issuer.rstrip("/")
    verifier, challenge = _pkce_pair()
    state = secrets.token_urlsafe(16)
    params = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if resource is not None:
        params["resource"] = resource
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        discovery = client.get(f"{issuer}/.well-known/openid-configuration").json()
        first = client.get(discovery["authorization_endpoint"], params=params)
        credentials = {"username": username, "password": password}
        location = _walk_to_redirect(client, first, redirect_uri, credentials)
        back = parse_qs(urlsplit(location).query)
        if "error" in back:
            reason = back.get("error_description", [""])[0]
            raise IdpError(f"authorization failed: {back['error'][0]} {reason}".strip())
        if back.get("state") != [state] or back.get("iss", [issuer]) != [issuer]:
            raise IdpError("the authorization response does not match the request (state/iss)")
        form = {
            "grant_type": "authorization_code",
            "code": back["code"][0],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        if resource is not None:
            form["resource"] = resource
        return _token_request(client, discovery["token_endpoint"], form, client_id, client_secret)


def get_client_credentials_token(
    issuer: str,
    *,
    client_id: str = CLI_CLIENT_ID,
    client_secret: str = CLI_CLIENT_SECRET,
    scope: str = API_SCOPE,
    resource: str | None = None,
    timeout: float = 10.0,
) -> str:
    """A machine token (client credentials grant); `sub` is the client, not a user."""
    with httpx.Client(timeout=timeout) as client:
        discovery = client.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration").json()
        form = {"grant_type": "client_credentials", "scope": scope}
        if resource is not None:
            form["resource"] = resource
        return _token_request(client, discovery["token_endpoint"], form, client_id, client_secret)


def _token_request(
    client: httpx.Client,
    endpoint: str,
    form: dict[str, str],
    client_id: str,
    client_secret: str | None,
) -> str:
    if client_secret is None:
        response = client.post(endpoint, data={**form, "client_id": client_id})
    else:
        auth = httpx.BasicAuth(client_id, client_secret)
        response = client.post(endpoint, data=form, auth=auth)
    if response.status_code != 200:
        body = (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else {}
        )
        raise IdpError(
            f"token request refused ({response.status_code}): "
            f"{body.get('error')} {body.get('error_description', '')}".strip()
        )
    token: str = response.json()["access_token"]
    return token
