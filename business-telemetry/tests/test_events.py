"""The original SDK's event API on the new models: names, factories, flat output rows."""

from __future__ import annotations

import orjson
import pytest
from bt_testkit import FULL_EXAMPLES
from pydantic import ValidationError

import business_events
from business_events import (
    IDENTIFYING_FIELD,
    AIEvent,
    BaseEvent,
    EventSource,
    EventType,
    OrderEvent,
    ProductEvent,
)

ORIGINAL_EXTRA_TYPES = {
    "admin.product_creation_failed",
    "agent.session_started",
    "agent.session_ended",
    "agent.task_started",
    "agent.task_completed",
    "agent.model_invocation",
    "agent.tool_call",
}


def test_event_types_are_the_spec_17_plus_the_original_7() -> None:
    values = {t.value for t in EventType}
    assert len(values) == 24 and values >= ORIGINAL_EXTRA_TYPES
    assert len(values - ORIGINAL_EXTRA_TYPES) == 17


def test_event_sources_match_the_original() -> None:
    assert {s.name: s.value for s in EventSource} == {
        "CUSTOMER_AGENT": "customer-agent",
        "ADMIN_AGENT": "admin-agent",
        "STORE_FRONT": "store-front",
        "STORE_ADMIN": "store-admin",
        "ORDER_SERVICE": "order-service",
        "PRODUCT_SERVICE": "product-service",
        "MAKELINE_SERVICE": "makeline-service",
    }


@pytest.mark.parametrize("event_type", sorted(FULL_EXAMPLES))
def test_every_type_has_a_factory_producing_a_flat_row(event_type: str) -> None:
    factory = getattr(business_events, f"create_{EventType(event_type).name.lower()}_event")
    fields = {"session_id": "s-9", **FULL_EXAMPLES[event_type]}
    event = factory(source=EventSource.STORE_FRONT, **fields)
    row = event.to_dict()
    identifying = IDENTIFYING_FIELD[event_type]
    assert row["event_type"] == event_type and row["event_source"] == "store-front"
    assert row[identifying] == FULL_EXAMPLES[event_type][identifying]
    assert row["data"][identifying] == FULL_EXAMPLES[event_type][identifying]
    assert row["event_time"].endswith("Z")
    assert orjson.loads(event.to_json()) == row


def test_original_flat_keywords_still_construct_events() -> None:
    event = ProductEvent(
        product_id="p-1",
        product_name="Widget",
        product_price=12.5,
        product_category="tools",
        session_id="s-1",
    )
    row = event.to_dict()
    assert row["event_type"] == "product.viewed"
    assert (row["price"], row["category"], row["session_id"]) == (12.5, "tools", "s-1")
    order = OrderEvent(order_id="o-1", order_items=[{"sku": 1}], order_total=3.0)
    assert order.to_dict()["total"] == 3.0 and order.to_dict()["items"] == [{"sku": 1}]


def test_ai_events_carry_total_tokens_for_the_kql_query() -> None:
    event = AIEvent(model_name="gpt-4o", input_tokens=30, output_tokens=12)
    assert event.to_dict()["data"]["total_tokens"] == 42


def test_category_classes_refuse_other_categories_and_bad_fields() -> None:
    with pytest.raises(ValidationError, match="not a order"):
        OrderEvent(event_type="product.viewed", product_id="p")
    with pytest.raises(ValidationError, match="order_id"):
        OrderEvent(event_type="order.placed", total=1.0)
    with pytest.raises(ValidationError, match="event_type"):
        BaseEvent(event_type="../../x", data={})


def test_unknown_data_fields_are_kept_and_round_trip() -> None:
    event = BaseEvent(event_type="product.viewed", data={"product_id": "p", "shelf": 4})
    again = BaseEvent.from_dict(event.to_record())
    assert again.to_dict()["data"] == {"product_id": "p", "shelf": 4}
    assert again.event_id == event.event_id
