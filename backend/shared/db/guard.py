"""The read-only query guard: exactly one SELECT or WITH statement, decided by a SQL parser.

A regex cannot see a DELETE behind a comment, inside a CTE or after a second statement; sqlglot
parses the statement as the warehouse's dialect (T-SQL in production) and we inspect the tree.
The tree alone is not enough: T-SQL needs no semicolon between statements, and sqlglot reads
`SELECT 1 DELETE FROM t` as a SELECT with a column alias `DELETE` where SQL Server runs two
statements. So the token stream is checked too: a write, DDL or EXEC keyword, or a pass-through
function (OPENQUERY, OPENROWSET, OPENDATASOURCE, which send their text to another server), is
refused wherever it stands outside a string literal or a quoted identifier such as `[Delete]`.
Decisions are cached by statement text: SQLAlchemy compiles a query to the same text every time
(values travel as bound parameters), so the parser runs once per distinct query.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import Token, TokenType, exp
from sqlglot.errors import SqlglotError

_FORBIDDEN: tuple[type, ...] = (
    exp.DML,  # INSERT, UPDATE, DELETE, MERGE, COPY
    exp.Into,  # SELECT ... INTO creates and fills a table
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Command,
    exp.Execute,
    exp.Declare,
    exp.Set,
    exp.Use,
    exp.Grant,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.LoadData,
    exp.Kill,
    exp.Pragma,
)

# Reserved words in T-SQL (and in the other dialects) that no read-only query needs unquoted.
_FORBIDDEN_WORDS = frozenset(
    {
        "INSERT", "UPDATE", "DELETE", "MERGE", "DROP", "TRUNCATE", "ALTER", "CREATE", "EXEC",
        "EXECUTE", "GRANT", "REVOKE", "DENY", "INTO", "BULK", "DECLARE", "SET", "USE", "KILL",
        "BACKUP", "RESTORE", "DBCC", "RECONFIGURE", "SHUTDOWN", "WAITFOR", "WRITETEXT",
        "UPDATETEXT", "SETUSER", "OPENQUERY", "OPENROWSET", "OPENDATASOURCE",
    }
)  # fmt: skip

# Tokens whose text is data or a quoted name, never a keyword: `'DELETE'`, `N'drop'`, `[Delete]`.
_LITERAL_TOKENS = frozenset(
    {
        TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.RAW_STRING,
        TokenType.NATIONAL_RAW_STRING, TokenType.HEREDOC_STRING, TokenType.UNICODE_STRING,
        TokenType.BIT_STRING, TokenType.HEX_STRING, TokenType.BYTE_STRING, TokenType.IDENTIFIER,
    }
)  # fmt: skip

SQLGLOT_DIALECTS = {"mssql": "tsql", "duckdb": "duckdb", "postgresql": "postgres"}


class ReadOnlyViolation(ValueError):
    """The statement is not a single read-only query; it was not sent to the warehouse."""


def _forbidden_word(tokens: list[Token]) -> str | None:
    """The first write/exec keyword outside literals and quoted names, if any.

    A name right after `@` is a variable (`@update` is fine), so it is not a keyword.
    """
    previous: Token | None = None
    for token in tokens:
        word = token.text.upper()
        is_variable = (
            previous is not None
            and previous.token_type == TokenType.PARAMETER
            and previous.end + 1 == token.start
        )
        if token.token_type not in _LITERAL_TOKENS and word in _FORBIDDEN_WORDS and not is_variable:
            return word
        previous = token
    return None


@lru_cache(maxsize=2048)
def _verdict(sql: str, dialect: str) -> str | None:
    try:
        tokens = sqlglot.tokenize(sql, read=dialect)
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as error:
        return f"statement does not parse as {dialect}: {error}"
    if len(statements) != 1:
        return f"exactly one statement is allowed, got {len(statements)}"
    statement = statements[0]
    if not isinstance(statement, exp.Query) or isinstance(statement, exp.Subquery):
        return f"only SELECT or WITH queries are allowed, got {statement.key.upper()}"
    word = _forbidden_word(tokens)
    if word is not None:
        return f"{word} is not allowed in a read-only query (a second statement or a pass-through)"
    for node in statement.walk():
        if isinstance(node, _FORBIDDEN):
            return f"{node.key.upper()} is not allowed in a read-only query"
    return None


def assert_read_only(sql: str, dialect: str = "tsql") -> None:
    """Raise `ReadOnlyViolation` unless `sql` is exactly one SELECT/WITH query.

    `dialect` is a sqlglot dialect name; `SQLGLOT_DIALECTS` maps SQLAlchemy dialect names.
    """
    reason = _verdict(sql, SQLGLOT_DIALECTS.get(dialect, dialect))
    if reason is not None:
        raise ReadOnlyViolation(reason)
