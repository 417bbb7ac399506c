"""ASGI entry point for `bridgepoint serve` (uvicorn imports it by name in each worker)."""
from api.app import create_app
from api.logs import redact_tokens

redact_tokens()
app = create_app()
