"""`make token`: print a bearer token for the demo user from the running local OpenID provider.

The provider URL comes from `IDP_URL` (default http://127.0.0.1:9000, where `make up` starts it).
The token is the only thing written to stdout, so `$(make -s token)` works in a shell.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python scripts/token.py`: Python puts scripts/ first on sys.path, where this file would
# shadow the standard library's `token` module for everything imported later. Put the repo root
# there instead (it also makes `devtools` importable).
_REPO_DIR = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(_REPO_DIR)

import argparse  # noqa: E402
import os  # noqa: E402

import httpx  # noqa: E402

from devtools.idp import (  # noqa: E402
    API_SCOPE,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    IdpError,
    get_client_credentials_token,
    get_user_token,
)

DEFAULT_IDP_URL = "http://127.0.0.1:9000"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--username", default=DEMO_USERNAME)
    parser.add_argument(
        "--password",
        default=os.environ.get("IDP_PASSWORD", DEMO_PASSWORD),
        help="default: $IDP_PASSWORD or the demo password",
    )
    parser.add_argument("--scope", default=f"openid profile {API_SCOPE}")
    parser.add_argument(
        "--client-credentials",
        action="store_true",
        help="a machine token for the CLI client instead of the demo user",
    )
    args = parser.parse_args(argv)
    issuer = os.environ.get("IDP_URL", DEFAULT_IDP_URL).rstrip("/")
    try:
        if args.client_credentials:
            token = get_client_credentials_token(issuer)
        else:
            token = get_user_token(
                issuer, username=args.username, password=args.password, scope=args.scope
            )
    except httpx.ConnectError:
        print(f"no OpenID provider answers at {issuer}; start it with `make up`", file=sys.stderr)
        return 1
    except (IdpError, httpx.HTTPError) as error:
        print(f"could not get a token from {issuer}: {error}", file=sys.stderr)
        return 1
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
