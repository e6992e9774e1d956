"""A service's domain errors answered as problem+json by the mapping it gives create_service_app."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.testclient import TestClient

from branchops.settings import PlatformSettings
from branchops.web import Problem, create_service_app


class Gone(LookupError):
    def __init__(self, thing: str) -> None:
        super().__init__(f"no {thing}")
        self.thing = thing


class AlsoGone(Gone):
    pass


def _client() -> TestClient:
    router = APIRouter()

    @router.get("/gone/{thing}")
    async def gone(thing: str) -> None:
        raise (AlsoGone if thing == "sub" else Gone)(thing)

    @router.get("/other")
    async def other() -> None:
        raise LookupError("not mapped")

    errors = {Gone: lambda e: Problem(404, "Not Found", str(e), thing=e.thing, headers={"X-Why": "gone"})}
    app = create_service_app("unit", PlatformSettings(), routers=[router], errors=errors)
    return TestClient(app, raise_server_exceptions=False)


def test_mapped_errors_and_their_subclasses_become_their_problems() -> None:
    client = _client()
    for thing in ("pen", "sub"):
        answer = client.get(f"/gone/{thing}")
        assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["x-why"] == "gone"
        assert answer.json() == {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "instance": f"/gone/{thing}",
            "detail": f"no {thing}",
            "thing": thing,
        }
    assert client.get("/other").status_code == 500  # an error nobody mapped stays a server error
