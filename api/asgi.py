"""ASGI entry point for `bridgepoint serve` (uvicorn imports it by name in each worker)."""
from api.app import create_app

app = create_app()
