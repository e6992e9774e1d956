"""The platform library (branchops/) imports no service and spells no ``services.`` module path.

Services plug in through entry points (branchops/plugins.py); a platform that named them could not run
without them, nor be reused by a service set of another shape.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

PLATFORM = Path(__file__).resolve().parents[3] / "branchops"
SERVICE_PATH = re.compile(r"(?<![\w.])services\.[\w{]")  # services.queue, f"services.{name}"; not self.services.x


def service_references(source: str) -> list[str]:
    """``line: what`` for every import of ``services`` and every ``services.`` path in a string or comment."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if a.name.split(".")[0] == "services"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "services":
            found.append(f"{node.lineno}: from {node.module} import ...")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.STRING, tokenize.COMMENT) and SERVICE_PATH.search(token.string):
            found.append(f"{token.start[0]}: {token.string.strip()[:80]}")
    return found


@pytest.mark.parametrize(
    "sample",
    [
        "import services.queue.cli\n",
        "import services\n",
        "from services.kyc import faces\n",
        "from services import queue\n",
        "def f():\n    from services.voice.domain.nlu import NluEngine\n",
        "MODULES = ('services.staffing.cli',)\n",
        "factory = f'services.{name}.app:create_app'\n",
        'x = importlib.import_module("services.queue.vision.cli")\n',
        '"""Started by ``uvicorn --factory services.gateway.app:create_app``."""\n',
        "port = 8001  # the one of services.queue.settings\n",
    ],
)
def test_the_scanner_finds_a_service_reference(sample: str) -> None:
    assert service_references(sample), sample


@pytest.mark.parametrize(
    "sample",
    [
        "for name, (proc, _) in stack.services.items():\n    pass\n",
        "services = {}\nservices.update(a=1)\n",
        '"""Redis state helpers shared by the services."""\n',
        "from branchops.devstack import services_of\n",
        "from .services import x\n",
        "note = 'my_services.queue is no service path'\n",
    ],
)
def test_the_scanner_lets_platform_code_be(sample: str) -> None:
    assert service_references(sample) == [], sample


def test_no_platform_module_names_a_service() -> None:
    offenders = {
        str(path.relative_to(PLATFORM.parent)): refs
        for path in sorted(PLATFORM.rglob("*.py"))
        if (refs := service_references(path.read_text(encoding="utf-8")))
    }
    assert len(list(PLATFORM.rglob("*.py"))) > 10, "the scan found the platform's modules"
    assert offenders == {}, f"the platform names services (register them through entry points instead): {offenders}"
