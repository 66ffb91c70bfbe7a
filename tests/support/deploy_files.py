"""Readers for the compose stack's files (docker-compose.yml, Dockerfiles, config.alloy).

No Docker engine runs here, so the tests read these files the way compose and Alloy would: the
compose file with `${VAR:-default}` resolved to its default, and Alloy's configuration split
into its top-level components with the component references each one makes.
"""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
MAKE_UP_PORTS = frozenset({8000, 8001, 8002, 8080, 9000})
"""What `make up` listens on by default (scripts/up.py), so both stacks can run side by side."""

_DEFAULT = re.compile(r"\$\{\w+:-([^}]*)\}")
_BLOCK = re.compile(r'^([a-z_][a-z0-9_.]*)\s+"([^"]+)"\s*\{', re.M)
_REFERENCE = re.compile(r"\b((?:[a-z_]+\.)+[a-z0-9_]+)\.(?:input|receiver)\b")


@functools.cache
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return data


def compose_default(value: str) -> str:
    """`value` as compose resolves it when no variable is set."""
    return _DEFAULT.sub(lambda match: match.group(1), value)


def host_ports() -> list[tuple[str, int]]:
    """(service, host port) for every published port, variables at their defaults."""
    published = []
    for name, service in compose()["services"].items():
        for mapping in service.get("ports", []):
            parts = compose_default(str(mapping)).split(":")
            published.append((name, int(parts[-2])))
    return published


def dockerfiles() -> list[Path]:
    """Every Dockerfile the repository tracks."""
    listed = subprocess.run(
        ["git", "ls-files", "*Dockerfile", "Dockerfile"],
        cwd=REPO, capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    found = {REPO / name for name in listed}
    found |= set(REPO.glob("*/Dockerfile"))  # not yet committed ones too
    return sorted(path for path in found if path.is_file())


def _strip(text: str) -> str:
    """Alloy source with comments and string contents blanked (braces in them do not count)."""
    out = re.sub(r'"(?:[^"\\]|\\.)*"', lambda match: '"' + " " * (len(match[0]) - 2) + '"', text)
    return re.sub(r"//[^\n]*", lambda match: " " * len(match[0]), out)


def alloy_blocks(text: str) -> tuple[dict[str, str], set[str]]:
    """Top-level components of an Alloy file (`name.label` -> body) and every component it
    references through an `.input` or `.receiver` export. Raises on unbalanced braces."""
    stripped = _strip(text)
    blocks: dict[str, str] = {}
    position = 0
    while match := _BLOCK.search(stripped, position):
        depth, index = 1, match.end()
        while depth and index < len(stripped):
            depth += {"{": 1, "}": -1}.get(stripped[index], 0)
            index += 1
        if depth:
            raise ValueError(f"unbalanced braces in block {match.group(1)}")
        label = text[match.start(2) : match.end(2)]
        blocks[f"{match.group(1)}.{label}"] = text[match.end() : index - 1]
        position = index
    if _strip("".join(blocks.values())).count("{") != _strip("".join(blocks.values())).count("}"):
        raise ValueError("unbalanced braces")
    references = {ref for body in blocks.values() for ref in _REFERENCE.findall(body)}
    return blocks, references
