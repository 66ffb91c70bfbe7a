"""The docs stay true to the code: the cloud guide's schema table, and one KQL table (in the guide
and in the service's README) with exactly the fields the service emits, correctly typed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from business_telemetry.events.envelope import ENVELOPE_COLUMNS, BaseEvent
from business_telemetry.events.payloads import PAYLOADS
from business_telemetry.sinks import parquet_schema

DOC = Path(__file__).resolve().parents[3] / "docs" / "business-telemetry-cloud.md"
README = Path(__file__).resolve().parents[2] / "README.md"
ARROW_TO_KQL = {
    "string": "string",
    "int64": "long",
    "double": "real",
    "bool": "bool",
    "list<item: string>": "dynamic",
}
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


def kql_table(text: str) -> list[tuple[str, str]]:
    table = re.search(r"\.create-merge table BusinessEvents \((.*?)\)\n", text, flags=re.DOTALL)
    assert table is not None
    pairs = [c.split(":") for c in table.group(1).split(",")]
    return [(name.strip(), kind.strip()) for name, kind in pairs]


def test_kql_table_has_every_emitted_field_typed_and_the_mapping_fills_it(doc: str) -> None:
    expected = {name: "datetime" if name == "event_time" else "string" for name in ENVELOPE_COLUMNS}
    for event_type in PAYLOADS:  # the key fields `flatten_event` copies to the top level
        for name, arrow_type, as_json in parquet_schema.key_columns(event_type):
            kind = "dynamic" if as_json else ARROW_TO_KQL[str(arrow_type)]
            assert expected.setdefault(name, kind) == kind, name  # one type per column name
    expected |= {"data": "dynamic", "custom_properties": "dynamic"}
    columns = kql_table(doc)
    assert dict(columns) == expected and len(columns) == len(expected)
    mapped = re.findall(r'"column": "(\w+)", "Properties": \{"Path": "\$\.(\w+)"\}', doc)
    assert [c for c, _ in mapped] == [c for c, _ in columns]
    assert all(column == path for column, path in mapped)


def test_readme_and_cloud_guide_define_the_same_kql_table(doc: str) -> None:
    assert kql_table(README.read_text(encoding="utf-8")) == kql_table(doc)


def test_spec_queries_fields_are_in_the_rows_we_emit() -> None:
    viewed = BaseEvent(event_type="product.viewed", data={"product_id": "p", "product_name": "W"})
    ai = BaseEvent(
        event_type="ai.recommendation",
        data={"model_name": "m", "input_tokens": 3, "output_tokens": 4},
    )
    row = viewed.to_dict()
    assert (row["product_id"], row["product_name"]) == ("p", "W")
    assert ai.to_dict()["data"]["total_tokens"] == 7
