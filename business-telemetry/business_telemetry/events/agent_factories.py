"""The original SDK's agent event factories (Fabric-Pulse ontology), positional order kept.

Besides the fields passed in, they derive the ontology's foreign keys the way the original did:
`agent_id` is the M365 agent id when given, else `{cluster}/{namespace}/agents/{agent}`;
`agent_session_id` is `{agent_id}/sessions/{session}`; a session start also gets `workload_id`
and `pod_id`. Those keys are plain `data` fields, so KQL joins them to infrastructure entities.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from business_telemetry.events.categories import AgentSessionEvent, AgentToolCallEvent
from business_telemetry.events.envelope import EventType
from business_telemetry.events.factories import Source, build


def _now() -> str:
    return datetime.now(UTC).isoformat()


def agent_keys(
    agent_name: str,
    session_id: str | None,
    cluster_id: str | None,
    namespace: str | None,
    m365_agent_id: str | None,
) -> dict[str, str | None]:
    """`agent_id` / `agent_session_id`: the M365 agent id if given, else built from the cluster."""
    agent_id = m365_agent_id
    if agent_id is None and cluster_id and namespace:
        agent_id = AgentSessionEvent.build_agent_id(cluster_id, namespace, agent_name)
    session = None
    if agent_id is not None and session_id is not None:
        session = AgentSessionEvent.build_agent_session_id(agent_id, session_id)
    return {"agent_id": agent_id, "agent_session_id": session}


def _workload_keys(
    cluster_id: str | None,
    namespace: str | None,
    pod_name: str | None,
    controller: str | None,
) -> dict[str, str | None]:
    """`workload_id` / `pod_id`; the controller is the ReplicaSet / Deployment, else the pod
    name without its last `-suffix` (how Kubernetes names a ReplicaSet's pods)."""
    if not (cluster_id and namespace):
        return {}
    if not controller and pod_name and "-" in pod_name:
        controller = pod_name.rsplit("-", 1)[0]
    return {
        "workload_id": (
            AgentSessionEvent.build_workload_id(cluster_id, namespace, controller)
            if controller
            else None
        ),
        "pod_id": AgentSessionEvent.build_pod_id(cluster_id, namespace, pod_name)
        if pod_name
        else None,
    }


def _session_keys(
    agent_name: str,
    session_id: str | None,
    cluster_id: str | None,
    namespace: str | None,
    pod_name: str | None,
    m365_agent_id: str | None,
) -> dict[str, Any]:
    """What both session events carry: the agent, the session, where it runs, its ontology ids."""
    return {
        "agent_name": agent_name,
        "session_id": session_id,
        **agent_keys(agent_name, session_id, cluster_id, namespace, m365_agent_id),
        "cluster_id": cluster_id,
        "namespace": namespace,
        "pod_name": pod_name,
    }


def create_agent_session_started_event(
    agent_name: str,
    session_id: str | None = None,
    source: Source = None,
    cluster_id: str | None = None,
    namespace: str | None = None,
    pod_name: str | None = None,
    node_name: str | None = None,
    replicaset_name: str | None = None,
    deployment_name: str | None = None,
    customer_id: str | None = None,
    trace_id: str | None = None,
    m365_agent_id: str | None = None,
    **kwargs: Any,
) -> AgentSessionEvent:
    fields = {
        **_session_keys(agent_name, session_id, cluster_id, namespace, pod_name, m365_agent_id),
        "node_name": node_name,
        "replicaset_name": replicaset_name,
        "deployment_name": deployment_name,
        "customer_id": customer_id,
        "channel": str(source) if source is not None else None,
        "start_time": _now(),
        "status": "Active",
        "trace_id": trace_id,
    }
    if m365_agent_id is None:
        controller = replicaset_name or deployment_name
        fields.update(_workload_keys(cluster_id, namespace, pod_name, controller))
    return build(AgentSessionEvent, EventType.AGENT_SESSION_STARTED, source, fields, kwargs)


def create_agent_session_ended_event(
    agent_name: str,
    session_id: str | None = None,
    source: Source = None,
    duration_ms: int | None = None,
    status: str = "Completed",
    cluster_id: str | None = None,
    namespace: str | None = None,
    pod_name: str | None = None,
    tool_call_count: int | None = None,
    model_invocation_count: int | None = None,
    total_input_tokens: int | None = None,
    total_output_tokens: int | None = None,
    message_count: int | None = None,
    orders_placed: int | None = None,
    revenue_generated: float | None = None,
    products_viewed: int | None = None,
    inventory_updates: int | None = None,
    error_occurred: bool = False,
    error_type: str | None = None,
    error_message: str | None = None,
    trace_id: str | None = None,
    m365_agent_id: str | None = None,
    **kwargs: Any,
) -> AgentSessionEvent:
    fields = {
        **_session_keys(agent_name, session_id, cluster_id, namespace, pod_name, m365_agent_id),
        "end_time": _now(),
        "duration_ms": duration_ms,
        "status": status,
        "tool_call_count": tool_call_count,
        "model_invocation_count": model_invocation_count,
        "total_input_tokens": total_input_tokens,
        "total_output_tokens": total_output_tokens,
        "message_count": message_count,
        "orders_placed": orders_placed,
        "revenue_generated": revenue_generated,
        "products_viewed": products_viewed,
        "inventory_updates": inventory_updates,
        "error_occurred": error_occurred,
        "error_type": error_type,
        "error_message": error_message,
        "trace_id": trace_id,
    }
    return build(AgentSessionEvent, EventType.AGENT_SESSION_ENDED, source, fields, kwargs)


def create_agent_tool_call_event(
    tool_name: str,
    agent_name: str | None = None,
    session_id: str | None = None,
    source: Source = None,
    duration_ms: int | None = None,
    status: str = "Success",
    cluster_id: str | None = None,
    namespace: str | None = None,
    tool_call_id: str | None = None,
    tool_server: str | None = None,
    tool_category: str | None = None,
    affected_entity_type: str | None = None,
    affected_entity_id: str | None = None,
    error_type: str | None = None,
    error_message: str | None = None,
    trace_id: str | None = None,
    span_id: str | None = None,
    m365_agent_id: str | None = None,
    **kwargs: Any,
) -> AgentToolCallEvent:
    keys = (
        agent_keys(agent_name, session_id, cluster_id, namespace, m365_agent_id)
        if agent_name
        else {}
    )
    fields = {
        "tool_name": tool_name,
        "agent_name": agent_name,
        "session_id": session_id,
        "tool_call_id": tool_call_id or str(uuid.uuid4()),
        **keys,
        "tool_server": tool_server,
        "tool_category": tool_category,
        "duration_ms": duration_ms,
        "status": status,
        "affected_entity_type": affected_entity_type,
        "affected_entity_id": affected_entity_id,
        "error_type": error_type,
        "error_message": error_message,
        "trace_id": trace_id,
        "span_id": span_id,
    }
    return build(AgentToolCallEvent, EventType.AGENT_TOOL_CALL, source, fields, kwargs)
