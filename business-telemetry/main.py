"""The ingestion service, as the spec starts it from this folder: `python main.py` or
`uvicorn main:app` (`--app-dir business-telemetry` from elsewhere). The app is built in
`business_telemetry.service.app`.
"""

from __future__ import annotations

from business_telemetry.config import get_fabric_settings
from business_telemetry.service.app import create_app

__all__ = ["app", "create_app"]

app = create_app()

if __name__ == "__main__":
    import uvicorn

    current = get_fabric_settings()
    uvicorn.run(app, host=current.api_host, port=current.api_port)
