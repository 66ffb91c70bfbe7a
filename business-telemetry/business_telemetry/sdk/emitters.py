"""One `emit_<type>` coroutine per event type, with the original SDK's positional order.

Positional parameters are exactly the original client's (e.g. `emit_inventory_updated(product_id,
product_name, previous_qty, new_qty, admin_user, reason)`), so positional calls written for it
still land in the right fields; the spec's key fields are all keyword arguments too, and extra
keywords land in `data` (or the envelope, for envelope names). Where the original had a
`create_<type>_event` factory the emitter goes through it. The original's derived fields are
kept (`item_count`, `quantity_change`, `total_tokens` / `tokens_used` from the token parts), and
its differently named keywords (`ai_tokens`, `intent`, `reason`, `latency_ms`, ...) are stored
under the original row's field names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from business_telemetry.events.categories import create_event
from business_telemetry.events.envelope import BaseEvent, EventType
from business_telemetry.events.factories import (
    create_customer_query_event,
    create_inventory_updated_event,
    create_order_placed_event,
    create_product_searched_event,
    create_product_viewed_event,
    create_session_started_event,
)
from business_telemetry.events.payloads import sum_known


class EmitterMixin:
    """The typed `emit_*` API; the client supplies `enabled` and `emit(event)`."""

    enabled: bool

    async def emit(self, event: BaseEvent) -> bool:
        raise NotImplementedError

    async def _emit(self, event_type: EventType, fields: dict[str, Any]) -> bool:
        return await self._emit_built(create_event, event_type, **fields)

    async def _emit_built(self, factory: Callable[..., BaseEvent], *args: Any, **kw: Any) -> bool:
        """Build the event only when enabled: a disabled client costs no validation."""
        if not self.enabled:
            return False
        return await self.emit(factory(*args, **kw))

    async def emit_product_viewed(
        self,
        product_id: str,
        product_name: str | None = None,
        category: str | None = None,
        price: float | None = None,
        ai_assisted: bool = False,
        **extra: Any,
    ) -> bool:
        return await self._emit_built(
            create_product_viewed_event,
            product_id,
            product_name,
            category=category,
            price=price,
            ai_assisted=ai_assisted,
            **extra,
        )

    async def emit_product_searched(
        self,
        query: str | None = None,
        results_count: int | None = None,
        product_ids: list[str] | None = None,
        ai_assisted: bool = False,
        *,
        search_query: str | None = None,
        **extra: Any,
    ) -> bool:
        """The original's `query` first; the spec's `search_query=` is accepted as well."""
        return await self._emit_built(
            create_product_searched_event,
            search_query if search_query is not None else query,
            results_count,
            product_ids=product_ids,
            ai_assisted=ai_assisted,
            **extra,
        )

    async def emit_product_listed(
        self,
        product_ids: list[str],
        page: int | None = None,
        page_size: int | None = None,
        **extra: Any,
    ) -> bool:
        fields: dict[str, Any] = {"product_ids": product_ids, "page": page, "page_size": page_size}
        return await self._emit(EventType.PRODUCT_LISTED, fields | extra)

    emit_products_listed = emit_product_listed  # the original's name

    async def emit_order_placed(
        self,
        order_id: str,
        items: list[dict[str, Any]] | None = None,
        total: float | None = None,
        customer_id: str | None = None,
        customer_name: str | None = None,
        customer_email: str | None = None,
        channel: str | None = None,
        ai_assisted: bool = False,
        **extra: Any,
    ) -> bool:
        return await self._emit_built(
            create_order_placed_event,
            order_id,
            items,
            total,
            customer_id=customer_id,
            customer_name=customer_name,
            customer_email=customer_email,
            channel=channel,
            ai_assisted=ai_assisted,
            **extra,
        )

    async def emit_order_status_checked(
        self, order_id: str, status: str | None = None, **extra: Any
    ) -> bool:
        fields: dict[str, Any] = {"order_id": order_id, "status": status}
        return await self._emit(EventType.ORDER_STATUS_CHECKED, fields | extra)

    async def emit_order_completed(
        self, order_id: str, processing_duration_ms: int | None = None, **extra: Any
    ) -> bool:
        fields: dict[str, Any] = {
            "order_id": order_id,
            "processing_duration_ms": processing_duration_ms,
        }
        return await self._emit(EventType.ORDER_COMPLETED, fields | extra)

    async def emit_order_failed(
        self, order_id: str, error_reason: str | None = None, **extra: Any
    ) -> bool:
        fields: dict[str, Any] = {"order_id": order_id, "error_reason": error_reason}
        return await self._emit(EventType.ORDER_FAILED, fields | extra)

    async def emit_session_started(
        self, session_id: str, user_id: str | None = None, **extra: Any
    ) -> bool:
        return await self._emit_built(
            create_session_started_event, session_id, user_id=user_id, **extra
        )

    async def emit_session_ended(
        self,
        session_id: str,
        duration_ms: int | None = None,
        interaction_count: int | None = None,
        user_id: str | None = None,
        **extra: Any,
    ) -> bool:
        fields: dict[str, Any] = {
            "session_id": session_id,
            "user_id": user_id,
            "duration_ms": duration_ms,
            "interaction_count": interaction_count,
        }
        return await self._emit(EventType.SESSION_ENDED, fields | extra)

    async def emit_customer_query(
        self,
        query_text: str,
        response_time_ms: int | None = None,
        ai_model: str | None = None,
        ai_tokens: int | None = None,
        intent: str | None = None,
        **extra: Any,
    ) -> bool:
        return await self._emit_built(
            create_customer_query_event,
            query_text,
            response_time_ms=response_time_ms,
            ai_model=ai_model,
            ai_tokens=ai_tokens,
            query_intent=intent,
            **extra,
        )

    async def emit_customer_feedback(
        self, feedback_rating: int, feedback_text: str | None = None, **extra: Any
    ) -> bool:
        fields: dict[str, Any] = {
            "feedback_rating": feedback_rating,
            "feedback_text": feedback_text,
        }
        return await self._emit(EventType.CUSTOMER_FEEDBACK, fields | extra)

    async def emit_inventory_updated(
        self,
        product_id: str,
        product_name: str | None = None,
        previous_qty: int | None = None,
        new_qty: int | None = None,
        admin_user: str | None = None,
        reason: str | None = None,
        **extra: Any,
    ) -> bool:
        return await self._emit_built(
            create_inventory_updated_event,
            product_id,
            product_name,
            previous_qty,
            new_qty,
            admin_user=admin_user,
            change_reason=reason,
            **extra,
        )

    async def emit_product_created(
        self,
        product_id: str,
        product_name: str | None = None,
        admin_user: str | None = None,
        ai_assisted: bool = False,
        ai_content: str | None = None,
        **extra: Any,
    ) -> bool:
        fields: dict[str, Any] = {
            "product_id": product_id,
            "product_name": product_name,
            "admin_user": admin_user,
            "ai_assisted": ai_assisted,
            "ai_generated_content": ai_content,
        }
        return await self._emit(EventType.PRODUCT_CREATED, fields | extra)

    async def emit_product_creation_failed(
        self,
        product_name: str,
        error_message: str | None = None,
        error_code: str | None = None,
        admin_user: str | None = None,
        ai_assisted: bool = False,
        **extra: Any,
    ) -> bool:
        fields: dict[str, Any] = {
            "product_name": product_name,
            "error_message": error_message,
            "error_code": error_code,
            "admin_user": admin_user,
            "ai_assisted": ai_assisted,
        }
        return await self._emit(EventType.PRODUCT_CREATION_FAILED, fields | extra)

    async def emit_product_updated(
        self,
        product_id: str,
        product_name: str | None = None,
        changes: dict[str, Any] | None = None,
        admin_user: str | None = None,
        ai_assisted: bool = False,
        **extra: Any,
    ) -> bool:
        fields: dict[str, Any] = {
            "product_id": product_id,
            "product_name": product_name,
            "changes": changes,
            "admin_user": admin_user,
            "ai_assisted": ai_assisted,
        }
        return await self._emit(EventType.PRODUCT_UPDATED, fields | extra)

    async def emit_product_deleted(self, product_id: str, **extra: Any) -> bool:
        return await self._emit(EventType.PRODUCT_DELETED, {"product_id": product_id} | extra)

    async def emit_ai_recommendation(
        self,
        model_name: str,
        request_type: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        recommendation_accepted: bool | None = None,
        latency_ms: int | None = None,
        **extra: Any,
    ) -> bool:
        """`total_tokens` (summed by the spec's AI-usage query) is derived by the payload."""
        fields: dict[str, Any] = {
            "model_name": model_name,
            "request_type": request_type,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "recommendation_accepted": recommendation_accepted,
            "response_latency_ms": latency_ms,
        }
        return await self._emit(EventType.AI_RECOMMENDATION, fields | extra)

    async def emit_ai_description_generated(
        self,
        model_name: str,
        content_type: str | None = None,
        tokens_used: int | None = None,
        **extra: Any,
    ) -> bool:
        """The spec's form; `input_tokens` / `output_tokens` keywords also give `tokens_used`."""
        parts = [extra.get("input_tokens"), extra.get("output_tokens")]
        if tokens_used is None and all(p is None or isinstance(p, int) for p in parts):
            tokens_used = sum_known(*parts)  # a wrongly typed part is left to validation
        fields: dict[str, Any] = {
            "model_name": model_name,
            "content_type": content_type,
            "tokens_used": tokens_used,
        }
        return await self._emit(EventType.AI_DESCRIPTION_GENERATED, fields | extra)

    async def emit_ai_content_generated(
        self,
        model_name: str,
        content_type: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        content_used: bool | None = None,
        latency_ms: int | None = None,
        **extra: Any,
    ) -> bool:
        """The original's form of `ai.description_generated`: tokens in and out, summed into
        `tokens_used` and `total_tokens`."""
        fields: dict[str, Any] = {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "content_used": content_used,
            "response_latency_ms": latency_ms,
        }
        return await self.emit_ai_description_generated(
            model_name, content_type, **(fields | extra)
        )
