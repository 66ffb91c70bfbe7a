"""Make the service's modules and the test kit importable however pytest is started.

`cd business-telemetry && pytest tests/ -v` and the repository's root `pytest` both work.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
