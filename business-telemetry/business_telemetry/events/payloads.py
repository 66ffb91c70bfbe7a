"""The typed `data` payload of every event type: its key fields, identifying field required.

Each model keeps unknown extra fields (`extra="allow"`): producers attach more than the spec's key
fields and the Lakehouse keeps them in the `data` column. Only the key fields are typed, and only
the identifying one is required, because the spec's own curl examples send just some of them.
`KEY_FIELDS` lists, per type, the fields copied to top-level columns by `flatten_event`.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

Text = str
ID_FIELD = Field(min_length=1, max_length=256)


class Payload(BaseModel):
    """Base of all payloads: extras kept, key fields validated, None omitted on output."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, ser_json_inf_nan="null")


def _alias(*names: str) -> Any:
    return Field(default=None, validation_alias=AliasChoices(*names))


class ProductViewed(Payload):
    product_id: Text = ID_FIELD
    product_name: Text | None = None
    category: Text | None = _alias("category", "product_category")
    price: float | None = _alias("price", "product_price")


class ProductSearched(Payload):
    search_query: Text = Field(validation_alias=AliasChoices("search_query", "query"))
    results_count: int | None = _alias("results_count", "search_results_count")
    product_ids: list[Text] | None = _alias("product_ids", "products_listed")


class ProductListed(Payload):
    product_ids: list[Text] = Field(validation_alias=AliasChoices("product_ids", "products_listed"))
    page: int | None = _alias("page", "listing_page")
    page_size: int | None = _alias("page_size", "listing_page_size")


class OrderPlaced(Payload):
    order_id: Text = ID_FIELD
    items: list[dict[str, Any]] | None = _alias("items", "order_items")
    total: float | None = _alias("total", "order_total")
    customer_name: Text | None = None


class OrderStatusChecked(Payload):
    order_id: Text = ID_FIELD
    status: Text | None = _alias("status", "order_status")


class OrderCompleted(Payload):
    order_id: Text = ID_FIELD
    processing_duration_ms: int | None = None


class OrderFailed(Payload):
    order_id: Text = ID_FIELD
    error_reason: Text | None = None


class SessionStarted(Payload):
    session_id: Text = ID_FIELD
    user_id: Text | None = None


class SessionEnded(Payload):
    session_id: Text = ID_FIELD
    duration_ms: int | None = _alias("duration_ms", "session_duration_ms")
    interaction_count: int | None = None


class CustomerQuery(Payload):
    query_text: Text = Field(min_length=1)
    response_time_ms: int | None = None
    ai_model: Text | None = None


class CustomerFeedback(Payload):
    feedback_rating: int = Field(ge=1, le=5)
    feedback_text: Text | None = None


class InventoryUpdated(Payload):
    product_id: Text = ID_FIELD
    previous_qty: int | None = _alias("previous_qty", "previous_quantity")
    new_qty: int | None = _alias("new_qty", "new_quantity")


class ProductCreated(Payload):
    product_id: Text = ID_FIELD
    product_name: Text | None = None
    ai_assisted: bool | None = None


class ProductCreationFailed(Payload):
    product_name: Text = Field(min_length=1)
    error_message: Text | None = None


class ProductUpdated(Payload):
    product_id: Text = ID_FIELD
    changes: dict[str, Any] | None = None


class ProductDeleted(Payload):
    product_id: Text = ID_FIELD


def sum_known(*values: int | None) -> int | None:
    """The sum of the values that are known; None when none is (a total never invents zeros)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


class AIRecommendation(Payload):
    model_name: Text = Field(min_length=1)
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None

    @model_validator(mode="after")
    def _total(self) -> AIRecommendation:
        # The spec's "AI usage" KQL query sums `data.total_tokens`; producers send the parts.
        if self.total_tokens is None:
            self.total_tokens = sum_known(self.input_tokens, self.output_tokens)
        return self


class AIDescriptionGenerated(Payload):
    model_name: Text = Field(min_length=1)
    content_type: Text | None = None
    tokens_used: int | None = None
    total_tokens: int | None = None

    @model_validator(mode="after")
    def _total(self) -> AIDescriptionGenerated:
        if self.total_tokens is None and self.tokens_used is not None:
            self.total_tokens = self.tokens_used
        return self


class AgentSession(Payload):
    agent_name: Text = Field(min_length=1)
    agent_id: Text | None = None
    duration_ms: int | None = None
    status: Text | None = None


class AgentTask(Payload):
    task_id: Text = ID_FIELD
    task_type: Text | None = None
    duration_ms: int | None = None
    status: Text | None = None


class AgentModelInvocation(Payload):
    model_name: Text = Field(min_length=1)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    duration_ms: int | None = None

    @model_validator(mode="after")
    def _total(self) -> AgentModelInvocation:
        if self.total_tokens is None:
            self.total_tokens = sum_known(self.prompt_tokens, self.completion_tokens)
        return self


class AgentToolCall(Payload):
    tool_name: Text = Field(min_length=1)
    tool_server: Text | None = None
    duration_ms: int | None = None


PAYLOADS: dict[str, type[Payload]] = {
    "product.viewed": ProductViewed,
    "product.searched": ProductSearched,
    "product.listed": ProductListed,
    "order.placed": OrderPlaced,
    "order.status_checked": OrderStatusChecked,
    "order.completed": OrderCompleted,
    "order.failed": OrderFailed,
    "customer.session_started": SessionStarted,
    "customer.session_ended": SessionEnded,
    "customer.query": CustomerQuery,
    "customer.feedback": CustomerFeedback,
    "admin.inventory_updated": InventoryUpdated,
    "admin.product_created": ProductCreated,
    "admin.product_creation_failed": ProductCreationFailed,
    "admin.product_updated": ProductUpdated,
    "admin.product_deleted": ProductDeleted,
    "ai.recommendation": AIRecommendation,
    "ai.description_generated": AIDescriptionGenerated,
    "agent.session_started": AgentSession,
    "agent.session_ended": AgentSession,
    "agent.task_started": AgentTask,
    "agent.task_completed": AgentTask,
    "agent.model_invocation": AgentModelInvocation,
    "agent.tool_call": AgentToolCall,
}

KEY_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(model.model_fields) for name, model in PAYLOADS.items()
}
"""Per event type, the typed fields that also become top-level columns of the output row."""

IDENTIFYING_FIELD: dict[str, str] = {
    name: next(f for f, info in model.model_fields.items() if info.is_required())
    for name, model in PAYLOADS.items()
}
"""Per event type, the one field an event of that type cannot do without."""
