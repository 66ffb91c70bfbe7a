"""Requests generated from the gateway's OpenAPI against the live stack (auth off): never a 5xx.

The schema is the gateway's own document, with the services' parameters and bodies merged in, so
the generated requests reach the real services through the real proxy.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case

from services.api_gateway.main import openapi_document

schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_gateway_never_answers_5xx(case: Case, open_gateway: str) -> None:
    case.call_and_validate(base_url=open_gateway, checks=[not_a_server_error], timeout=60)
