"""docs/business-telemetry-cloud.md stays true to the code: schema table and KQL columns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from event_envelope import ENVELOPE_COLUMNS, BaseEvent
from event_payloads import KEY_FIELDS, PAYLOADS
from sinks import parquet_schema

DOC = Path(__file__).resolve().parents[3] / "docs" / "business-telemetry-cloud.md"
ARROW_TO_DOC = {
    "string": "string",
    "int64": "bigint",
    "double": "double",
    "bool": "boolean",
    "list<item: string>": "array<string>",
}


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_schema_table_lists_every_key_column_with_its_type(doc: str) -> None:
    rows = dict(re.findall(r"^\| `([a-z_.]+)` \| (.*) \|$", doc, flags=re.MULTILINE))
    for event_type in PAYLOADS:
        expected = [
            f"`{name}` " + ("string (JSON)" if as_json else ARROW_TO_DOC[str(arrow_type)])
            for name, arrow_type, as_json in parquet_schema.key_columns(event_type)
        ]
        documented = rows[event_type]
        if expected:
            assert documented == ", ".join(expected), event_type
        else:
            assert documented.startswith("(none"), event_type


def test_kql_table_and_mapping_use_only_emitted_fields(doc: str) -> None:
    table = re.search(r"\.create-merge table BusinessEvents \((.*?)\)\n", doc, flags=re.DOTALL)
    assert table is not None
    columns = [c.split(":")[0].strip() for c in table.group(1).split(",")]
    mapped = re.findall(r'"column": "(\w+)", "Properties": \{"Path": "\$\.(\w+)"\}', doc)
    assert [c for c, _ in mapped] == columns
    assert all(column == path for column, path in mapped)
    emitted = set(ENVELOPE_COLUMNS) | {"data", "custom_properties"}
    emitted |= {field for fields in KEY_FIELDS.values() for field in fields}
    assert set(columns) <= emitted


def test_spec_queries_fields_are_in_the_rows_we_emit() -> None:
    viewed = BaseEvent(event_type="product.viewed", data={"product_id": "p", "product_name": "W"})
    ai = BaseEvent(
        event_type="ai.recommendation",
        data={"model_name": "m", "input_tokens": 3, "output_tokens": 4},
    )
    row = viewed.to_dict()
    assert (row["product_id"], row["product_name"]) == ("p", "W")
    assert ai.to_dict()["data"]["total_tokens"] == 7
