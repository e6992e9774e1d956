"""Each service's app built in-process from its composition root, and the list of what it serves."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import Mount, Route, WebSocketRoute

from branchops.settings import PlatformSettings

SERVICES = ("queue", "staffing", "kyc", "voice", "gateway", "records")
UNREACHABLE_BROKER = "127.0.0.1:9"  # discard port: nothing listens; apps are used without their lifespan


@functools.cache
def _nlu_engine() -> Any:
    from services.voice.domain.nlu import NluEngine

    return NluEngine.from_corpus()


def build(
    service: str, redis_url: str, platform: PlatformSettings, *, database_url: str | None = None, **overrides: Any
) -> FastAPI:
    """The service's app as ``bootstrap.build_app`` makes it, with test settings (nothing started; records:
    ``database_url`` must already be migrated, as the lifespan that would migrate it does not run)."""
    if service == "queue":
        from services.queue.bootstrap import build_app as queue_app
        from services.queue.settings import QueueSettings

        return queue_app(QueueSettings(redis_url=redis_url, **overrides), platform)
    if service == "staffing":
        from services.staffing.bootstrap import build_app as staffing_app
        from services.staffing.settings import StaffingSettings

        return staffing_app(StaffingSettings(redis_url=redis_url, **overrides), platform)
    if service == "kyc":
        from services.kyc.bootstrap import build_app as kyc_app
        from services.kyc.settings import KycSettings

        return kyc_app(KycSettings(redis_url=redis_url, **{"warm_up": False, **overrides}), platform)
    if service == "voice":
        from services.voice.bootstrap import build_app as voice_app
        from services.voice.settings import VoiceSettings

        return voice_app(VoiceSettings(redis_url=redis_url, **overrides), platform, engine=_nlu_engine())
    if service == "gateway":
        from services.gateway.bootstrap import build_app as gateway_app
        from services.gateway.settings import GatewaySettings

        nowhere = f"http://{UNREACHABLE_BROKER}"  # upstream services are not running in these tests
        upstreams = {f"{name}_url": nowhere for name in ("queue", "staffing", "kyc", "voice", "records")}
        return gateway_app(GatewaySettings(redis_url=redis_url, **{**upstreams, **overrides}), platform)
    if service == "records":
        from services.records.bootstrap import build_app as records_app
        from services.records.settings import RecordsSettings

        if database_url is None:
            raise ValueError("records needs a (migrated) database_url")
        return records_app(RecordsSettings(redis_url=redis_url, database_url=database_url, **overrides), platform)
    raise ValueError(f"unknown service {service}")


@dataclass(frozen=True, order=True)
class Endpoint:
    method: str  # GET, POST, ... or WS
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _leaf_routes(app: FastAPI) -> Iterator[tuple[Any, str]]:
    """(route, full path) of every route, through included routers of old and new FastAPI alike."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # FastAPI >= 0.16x keeps included routers as one route each
            for context in contexts():
                yield context.original_route, context.path or context.original_route.path
        else:
            yield route, getattr(route, "path", "")


def endpoints(app: FastAPI) -> set[Endpoint]:
    """Every HTTP method/path and WebSocket path the app answers (HEAD/OPTIONS left out)."""
    found: set[Endpoint] = set()
    for route, path in _leaf_routes(app):
        if isinstance(route, APIWebSocketRoute | WebSocketRoute):
            found.add(Endpoint("WS", path))
        elif isinstance(route, APIRoute | Route):
            for method in route.methods or ():
                if method not in ("HEAD", "OPTIONS"):
                    found.add(Endpoint(method, path))
        elif isinstance(route, Mount):
            found.add(Endpoint("MOUNT", path))
        else:
            raise AssertionError(f"route of an unknown kind {type(route).__name__} at {path}: teach apps.py")
    return found


def openapi_endpoints(app: FastAPI) -> set[Endpoint]:
    spec = app.openapi()
    return {
        Endpoint(method.upper(), path)
        for path, item in spec.get("paths", {}).items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
