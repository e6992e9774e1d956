"""Calls from the gateway to queue, staffing, KYC, voice and records, with the caller's (or a minted) credential.

Browsers only talk to the gateway; the services' answers (problem+json included) go back unchanged.
An unreachable service is an ``UpstreamError`` (a 502/504 problem, routes/deps.py), never a hang: the dashboard works
with whatever runs.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx
from fastapi import Response

from services.gateway.domain.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from services.gateway.settings import GatewaySettings

Service = Literal["queue", "staffing", "kyc", "voice", "records"]
PASSED_HEADERS = ("content-type", "retry-after", "content-language", "etag", "content-disposition", "cache-control")


class Upstreams:
    def __init__(self, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base = {
            "queue": settings.queue_url,
            "staffing": settings.staffing_url,
            "kyc": settings.kyc_url,
            "voice": settings.voice_url,
            "records": settings.records_url,
        }
        self._client = httpx.AsyncClient(
            timeout=settings.upstream_timeout_s,
            transport=transport,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=40),
        )

    async def get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        """A plain GET with the gateway's client (readiness: branchops.web.identity)."""
        return await self._client.get(url, headers=headers)

    def url(self, service: Service, path: str) -> str:
        return self.base[service].rstrip("/") + path

    async def call(
        self,
        service: Service,
        method: str,
        path: str,
        headers: dict[str, str],
        *,
        json_body: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers)
        if content_type:
            sent["Content-Type"] = content_type
        try:
            return await self._client.request(
                method, self.url(service, path), headers=sent, json=json_body, content=content, params=params
            )
        except httpx.TimeoutException:
            raise UpstreamTimeout(service) from None
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(service, type(exc).__name__) from None

    async def relay(self, service: Service, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Response:
        """Call and hand the answer back as it came (status, body, content type)."""
        got = await self.call(service, method, path, headers, **kwargs)
        passed = {k: v for k, v in got.headers.items() if k.lower() in PASSED_HEADERS}
        return Response(got.content, status_code=got.status_code, headers=passed)

    async def fetch_json(
        self, service: Service, path: str, headers: dict[str, str], *, params: dict[str, str] | None = None
    ) -> dict[str, Any] | None:
        """GET for a page's first paint: None when the service is down or says no (the page shows a gap)."""
        try:
            got = await self.call(service, "GET", path, headers, params=params)
        except UpstreamError:
            return None
        if got.status_code != 200:
            return None
        try:
            body = got.json()
        except json.JSONDecodeError:
            return None
        return body if isinstance(body, dict) else None

    async def aclose(self) -> None:
        await self._client.aclose()
