"""Idempotent appends of a batch to an event type's Delta table (delta-rs) over the Blob API.

`FABRIC_ONELAKE_OUTPUT_FORMAT=delta` goes beyond the spec: each batch is merged into
`<lakehouse>/Tables/<event_type with . as _>`, partitioned by `event_date`, so the Lakehouse shows a
table without a notebook. The merge inserts only rows whose `event_id` is not in the table yet
(`when_not_matched_insert_all`), so a batch written twice (a retry after a lost response) adds its
rows once; the `event_date` term in the predicate lets delta-rs prune to the batch's partitions
instead of scanning the whole table. delta-rs speaks the same Blob API to OneLake and to Azurite:
`az://<workspace>/<path>` with the account endpoint, and either the account key (emulator) or a
bearer token from the sink's Azure credential, refreshed before every write.

Emulator mode: object_store (inside delta-rs) lists a table's log with the List Blobs `startFrom`
parameter, which Azurite ignores (Azure/Azurite#2619), so a third commit fails with "Invalid table
version". object_store filters client-side instead only when `use_emulator` is set, and then takes
the emulator's address from the `AZURITE_BLOB_STORAGE_URL` variable alone, so for an emulator
endpoint we set both (process-wide: one emulator address per process).
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlparse

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError

MERGE_PREDICATE = "t.event_id = s.event_id AND t.event_date = s.event_date"
PARTITION_COLUMNS = ["event_date"]


def table_uri(container: str, path: str) -> str:
    return f"az://{container}/{path}"


EMULATOR_URL_VARIABLE = "AZURITE_BLOB_STORAGE_URL"


def is_emulator_url(account_url: str) -> bool:
    """A path-style account URL on a loopback address (Azurite), not a cloud endpoint."""
    host = urlparse(account_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def storage_options(
    *,
    account_name: str,
    account_url: str,
    account_key: str | None = None,
    bearer_token: str | None = None,
) -> dict[str, str]:
    """object_store options for the account at `account_url` (path-style URLs work too)."""
    options = {"account_name": account_name, "endpoint": account_url.rstrip("/")}
    if is_emulator_url(account_url):
        parsed = urlparse(account_url)
        os.environ[EMULATOR_URL_VARIABLE] = f"{parsed.scheme}://{parsed.netloc}"
        options = {"account_name": account_name, "use_emulator": "true"}
    if urlparse(account_url).scheme == "http":
        options["allow_http"] = "true"
    if account_key is not None:
        options["account_key"] = account_key
    elif bearer_token is not None:
        options["bearer_token"] = bearer_token
    return options


def merge_batch(uri: str, table: pa.Table, options: dict[str, str]) -> None:
    """Insert the rows of `table` whose event_id the table lacks (blocking: run in a thread)."""
    try:
        target = DeltaTable(uri, storage_options=options)
    except TableNotFoundError:
        # First batch of this event type: create the table. A retry of this same batch after
        # a lost response finds the table and merges, so it still lands once.
        write_deltalake(
            uri, table, mode="append", partition_by=PARTITION_COLUMNS, storage_options=options
        )
        return
    (
        target.merge(
            source=table,
            predicate=MERGE_PREDICATE,
            source_alias="s",
            target_alias="t",
            streamed_exec=False,  # small sources: keep the stats that prune partitions
        )
        .when_not_matched_insert_all()
        .execute()
    )


def read_table(uri: str, options: dict[str, str]) -> pa.Table:
    """The whole table (readers and tests)."""
    return DeltaTable(uri, storage_options=options).to_pyarrow_table()
