"""What every service's routes share from branchops.web: ``BranchPath``, the bounded body reads
(``read_body``, ``read_json_body``, ``JsonBody``) and the role sets of ``branchops.web.roles``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient

from branchops.settings import PlatformSettings, Role
from branchops.web import BranchPath, JsonBody, Problem, create_service_app, read_body, roles
from branchops.web.limits import UploadRoutes

LIMIT = 64


def _too_large(limit: int, declared: str | None) -> Problem:
    return Problem(413, "Upload too large", f"declared {declared}" if declared else f"more than {limit}")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    router = APIRouter()

    @router.post("/json")
    async def json_route(body: JsonBody) -> dict[str, Any]:
        return {"body": body}

    @router.post("/raw")
    async def raw_route(request: Request) -> dict[str, int]:
        return {"bytes": len(await read_body(request, LIMIT, too_large=_too_large))}

    @router.get("/branches/{branch_id}")
    async def branch_route(branch_id: BranchPath) -> dict[str, str]:
        return {"branch_id": branch_id}

    platform = PlatformSettings(env="test", jwt_secret="x" * 40)  # type: ignore[arg-type]
    # /raw is an upload route: its own limit answers (with its words), under the app's ceiling for uploads
    uploads = UploadRoutes("/raw$", 4 * LIMIT)
    app = create_service_app("unit", platform, routers=[router], max_body_bytes=LIMIT, uploads=uploads)
    with TestClient(app) as test_client:
        yield test_client


def _chunks(data: bytes) -> Iterator[bytes]:
    """A body without Content-Length (chunked): the limit must hold while reading."""
    for i in range(0, len(data), 16):
        yield data[i : i + 16]


def test_json_body_within_the_limit(client: TestClient) -> None:
    reply = client.post("/json", content=b'{"a": [1, 2]}')
    assert reply.status_code == 200 and reply.json() == {"body": {"a": [1, 2]}}


@pytest.mark.parametrize("chunked", [False, True])
def test_json_body_over_the_limit_is_413(client: TestClient, chunked: bool) -> None:
    data = b'{"a": "' + b"x" * LIMIT + b'"}'
    reply = client.post("/json", content=_chunks(data) if chunked else data)
    assert reply.status_code == 413
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["title"] == "Payload too large"
    assert reply.json()["detail"] == f"the body may be at most {LIMIT} bytes"


@pytest.mark.parametrize("data", [b"{not json", b'"\xff\xfe"'])
def test_json_body_that_does_not_parse_is_400(client: TestClient, data: bytes) -> None:
    reply = client.post("/json", content=data)
    assert reply.status_code == 400 and reply.json()["title"] == "Malformed JSON"


def test_a_service_chooses_its_own_413(client: TestClient) -> None:
    assert client.post("/raw", content=b"x" * LIMIT).json() == {"bytes": LIMIT}
    declared = client.post("/raw", content=b"x" * (LIMIT + 1))
    assert declared.status_code == 413 and declared.json()["detail"] == f"declared {LIMIT + 1}"
    streamed = client.post("/raw", content=_chunks(b"x" * (LIMIT + 1)))
    assert streamed.status_code == 413 and streamed.json()["detail"] == f"more than {LIMIT}"


def test_branch_path(client: TestClient) -> None:
    assert client.get("/branches/b-1").json() == {"branch_id": "b-1"}
    assert client.get("/branches/no spaces").status_code == 422


def test_each_role_set_is_what_its_name_lists() -> None:
    words = {
        "KIOSK": Role.KIOSK,
        "TELLER": Role.TELLER,
        "MANAGER": Role.MANAGER,
        "HEAD_OFFICE": Role.HEAD_OFFICE,
        "SERVICE": Role.SERVICE,
    }
    sets = {name: value for name, value in vars(roles).items() if isinstance(value, frozenset)}
    assert len(sets) == 10 and len(set(sets.values())) == 10, "one name per set, one set per name"
    for name, admitted in sets.items():
        if name == "ANY_ROLE":
            assert admitted == frozenset(Role)
            continue
        rest, listed = name.removesuffix("_ONLY"), set()
        for word, role in words.items():
            if word in rest:
                listed.add(role)
                rest = rest.replace(word, "")
        assert rest.strip("_") == "" and admitted == listed, name
