"""The backend's boundaries: the gateway reaches the services over HTTP only, and the import graph
has no cycle and no shared/db -> shared/core edge (the import-linter contracts in pyproject.toml).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BACKEND = REPO / "backend"
GATEWAY = BACKEND / "services" / "api_gateway"
SERVICE_PACKAGES = ("services.aw_service", "services.wwi_service")
IMPORTERS = {"import_module", "__import__", "find_spec", "run_module", "import_string"}


def _names_a_service(value: str) -> bool:
    return any(
        value == package or value.startswith((f"{package}.", f"{package}:"))
        for package in (*SERVICE_PACKAGES, "aw_service", "wwi_service")
    )


def test_gateway_source_imports_no_service_module_statically_or_by_name() -> None:
    found = []
    for path in sorted(GATEWAY.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = [alias.name for alias in node.names]
                if isinstance(node, ast.ImportFrom):
                    modules = [node.module or ""]
                found += [(path.name, node.lineno, m) for m in modules if _names_a_service(m)]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if _names_a_service(node.value):
                    found.append((path.name, node.lineno, node.value))
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in IMPORTERS:
                    found.append((path.name, node.lineno, f"{name}(...)"))
    assert found == [], f"the gateway must reach the services over HTTP only: {found}"


def test_gateway_serves_the_full_document_without_loading_service_code() -> None:
    probe = (
        "import json, sys\n"
        "from services.api_gateway.main import openapi_document\n"
        "document = openapi_document()\n"
        "print(json.dumps({'loaded': sorted(m for m in sys.modules if m.startswith("
        f"{SERVICE_PACKAGES!r}) or m == 'statsmodels'), "
        "'kpi_parameters': [p['name'] for p in "
        "document['paths']['/api/aw/sales/kpis']['get']['parameters']]}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=BACKEND, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["loaded"] == []
    assert report["kpi_parameters"] == ["year"]  # the service's parameter, merged at build time


def test_import_contracts_hold() -> None:
    """No cycle, no shared/db -> shared/core import, no service importing another (pyproject)."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), str(REPO / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=BACKEND,
        env={**os.environ, "PYTHONPATH": str(REPO / "business-telemetry")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
