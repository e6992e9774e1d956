"""Services register through entry points; the loader orders them and names any broken one in one line."""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, ClassVar

import pytest

from branchops import cli, plugins
from branchops.plugins import CLI_GROUP, SERVICES_GROUP, PluginError, ServiceDescriptor, load_cli, load_services
from tests.unit.platform.test_compose import DESIGN_SERVICES, settings_class

HERE = __name__  # the fake entry points below point at this module's attributes

FRONT = ServiceDescriptor("front", "FRONT", 9000, "fake.front:create_app", start_order=1, needs=("back",))
BACK = ServiceDescriptor("back", "BACK", 9001, "fake.back:create_app", start_order=2)
LAST = ServiceDescriptor("last", "LAST", 9002, "fake.last:create_app", start_order=2)  # same order as back: by name
SAME_PORT = ServiceDescriptor("other", "OTHER", 9001, "fake.other:create_app")
NOT_A_DESCRIPTOR = {"name": "dict", "default_port": 9100}
LONELY = ServiceDescriptor("lonely", "LONELY", 9003, "fake.lonely:create_app", needs=("nobody",))
REGISTERED: list[str] = []


def register_back(subparsers: Any) -> None:
    REGISTERED.append("back")


def register_back_extra(subparsers: Any) -> None:
    REGISTERED.append("back.extra")


def register_front(subparsers: Any) -> None:
    REGISTERED.append("front")


def register_tool(subparsers: Any) -> None:
    REGISTERED.append("tool")


def service(name: str, attribute: str) -> EntryPoint:
    return EntryPoint(name, f"{HERE}:{attribute}", SERVICES_GROUP)


def command(name: str, attribute: str) -> EntryPoint:
    return EntryPoint(name, f"{HERE}:{attribute}", CLI_GROUP)


FAKE_SERVICES = [service("last", "LAST"), service("back", "BACK"), service("front", "FRONT")]


def test_services_come_in_start_order_then_by_name() -> None:
    assert [s.name for s in load_services(FAKE_SERVICES)] == ["front", "back", "last"]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            service("ghost", "NOTHING_HERE"),
            r"cannot load entry point 'ghost' = '[\w.]+:NOTHING_HERE' \(group "
            r"branchops\.services\): AttributeError",
        ),
        (
            EntryPoint("gone", "no_such_package.app:SERVICE", SERVICES_GROUP),
            r"cannot load entry point 'gone' = 'no_such_package.app:SERVICE' .*ModuleNotFoundError: No module named "
            r"'no_such_package'",
        ),
        (service("dict", "NOT_A_DESCRIPTOR"), r"entry point 'dict' .* is a dict, not a ServiceDescriptor"),
        (service("renamed", "BACK"), r"entry point 'renamed' .* describes service 'back': name the entry point"),
        (service("back", "BACK"), r"service 'back' is registered twice, also by the entry point 'back'"),
        (service("other", "SAME_PORT"), r"port 9001 is also the default of service 'back'"),
        (service("lonely", "LONELY"), r"service 'lonely' needs nobody, which no entry point .* registers"),
    ],
)
def test_a_broken_service_entry_point_is_named_with_its_fault(broken: EntryPoint, message: str) -> None:
    with pytest.raises(PluginError, match=message):
        load_services([*FAKE_SERVICES, broken])


def test_no_registered_service_says_what_to_install() -> None:
    with pytest.raises(PluginError, match=r"no service is registered .*pip install -e \."):
        load_services([])


def test_descriptors_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="module:callable"):
        ServiceDescriptor("x", "X", 1, "no_colon")
    with pytest.raises(ValueError, match="upper case"):
        ServiceDescriptor("x", "x_", 1, "m:f")
    with pytest.raises(ValueError, match="out of range"):
        ServiceDescriptor("x", "X", 70000, "m:f")
    with pytest.raises(ValueError, match="needs itself"):
        ServiceDescriptor("x", "X", 1, "m:f", needs=("x",))


def test_commands_follow_their_services_and_others_come_last() -> None:
    REGISTERED.clear()
    found = [
        command("tool", "register_tool"),
        command("back.extra", "register_back_extra"),
        command("back", "register_back"),
        command("front", "register_front"),
    ]
    for register in load_cli(found, load_services(FAKE_SERVICES)):
        register(None)
    assert REGISTERED == ["front", "back", "back.extra", "tool"]


def test_a_broken_command_entry_point_is_named() -> None:
    with pytest.raises(
        PluginError,
        match=r"cannot load entry point 'back' = 'services_gone.cli:register' "
        r"\(group branchops\.cli\): ModuleNotFoundError",
    ):
        load_cli([EntryPoint("back", "services_gone.cli:register", CLI_GROUP)], load_services(FAKE_SERVICES))
    with pytest.raises(PluginError, match=r"is a ServiceDescriptor, not a register\(subparsers\) function"):
        load_cli([command("back", "BACK")], load_services(FAKE_SERVICES))


def test_branchops_reports_a_broken_entry_point_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def installed(group: str) -> list[EntryPoint]:
        if group == CLI_GROUP:
            return [EntryPoint("front", "front_service_gone.cli:register", CLI_GROUP)]
        return FAKE_SERVICES

    monkeypatch.setattr(plugins.importlib.metadata, "entry_points", installed)
    assert cli.main(["up"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("branchops: error: cannot load entry point 'front' = 'front_service_gone.cli:register'")
    assert "Traceback" not in err and len(err.splitlines()) == 1


# --- what this repository registers (pyproject.toml, installed with pip install -e .) -------------------


def test_the_installed_services_keep_their_ports_order_and_settings() -> None:
    services = load_services()
    assert [s.name for s in services] == ["gateway", "queue", "staffing", "records", "kyc", "voice"]
    assert {s.name: s.default_port for s in services} == DESIGN_SERVICES
    for spec in services:
        settings = settings_class(spec.name)
        assert (settings.service_name, settings.default_port) == (spec.name, spec.default_port)
        assert settings.model_config.get("env_prefix") == f"{spec.env_prefix}_"
        module, _, attribute = spec.app_factory.partition(":")
        found = importlib.util.find_spec(module)
        assert found is not None and found.origin, spec.app_factory
        tree = ast.parse(Path(found.origin).read_text(encoding="utf-8"))
        assert attribute in {f.name for f in tree.body if isinstance(f, ast.FunctionDef)}, spec.app_factory
    queue = next(s for s in services if s.name == "queue")
    assert queue.simulator[0] == "simulate"


def test_the_installed_commands_and_their_order() -> None:
    modules = [register.__module__ for register in load_cli()]
    assert modules == [
        "services.queue.cli",
        "simulation.cli",
        "services.queue.vision.cli",
        "services.staffing.cli",
        "services.kyc.cli",
        "services.voice.cli",
        "branchops.replay_cli",
    ]


def test_loading_the_registrations_stays_light() -> None:
    """``branchops --help`` loads every registration: none may pull in a web framework or numerics."""
    code = (
        "import sys; from branchops.plugins import load_cli; load_cli(); "
        "print(sorted(m for m in ('fastapi', 'pydantic', 'numpy', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_dev_setup_of_every_registered_service_gives_env_and_banner() -> None:
    from branchops.plugins import DevRun, DevSetup, run_dev_setup

    specs = load_services()
    run = DevRun(
        branch="b-1",
        urls={s.name: f"http://127.0.0.1:{9100 + i}" for i, s in enumerate(specs)},
        api_keys={"service": "svc-key", "teller": "t-key"},
    )
    setups = {s.name: run_dev_setup(s, run) for s in specs}
    assert all(isinstance(s, DevSetup) for s in setups.values())
    assert setups["voice"].env["VOICE_QUEUE_API_KEY"] == "svc-key"
    assert setups["voice"].env["VOICE_QUEUE_URL"] == run.urls["queue"]
    gateway = setups["gateway"]
    assert gateway.env["GATEWAY_QUEUE_URL"] == run.urls["queue"]
    assert "svc-key" not in "".join(gateway.env.values())
    banner = "\n".join(gateway.banner)
    assert f"{run.urls['gateway']}/login" in banner and "/kiosk#device=" in banner and "/rate/b-1/" in banner


def test_dev_setup_that_cannot_load_names_the_service() -> None:
    from branchops.plugins import DevRun, run_dev_setup

    broken = ServiceDescriptor("x", "X", 9009, "fake.x:create_app", dev_setup="no.such.module:setup")
    with pytest.raises(PluginError, match="service x: dev_setup"):
        run_dev_setup(broken, DevRun(branch="b", urls={}, api_keys={}))


def test_api_keys_never_go_on_a_simulator_command_line() -> None:
    """Issue 24 item 10: ``ps`` shows every command line to every user of the machine."""
    with pytest.raises(ValueError, match="simulator_env"):
        ServiceDescriptor(
            name="x", env_prefix="X", default_port=1, app_factory="m:f", simulator=("run", "{key_teller}")
        )
    for spec in load_services():
        assert not any("{key_" in arg for arg in spec.simulator), spec.name
    queue = next(s for s in load_services() if s.name == "queue")
    assert ("BRANCHOPS_SIM_API_KEY", "{key_teller}") in queue.simulator_env


def test_the_simulator_gets_its_key_by_environment(tmp_path: Path) -> None:
    from branchops.clock import Clock
    from branchops.up import _simulator

    class Stack:
        redis_url = "redis://127.0.0.1:1/0"
        kafka_bootstrap = "127.0.0.1:2"
        services: ClassVar[dict[str, tuple[object, int]]] = {"staffing": (None, 8002)}
        log_dir = tmp_path

    queue = next(s for s in load_services() if s.name == "queue")
    process = _simulator(
        queue,
        Stack(),
        8001,
        {"teller": "secret-teller-key"},
        branch="b1",
        speed=20.0,
        clock=Clock.simulated_from(dt.datetime.now(dt.UTC), 20.0),
    )
    assert "secret-teller-key" not in " ".join(process.argv)
    assert process.env["BRANCHOPS_SIM_API_KEY"] == "secret-teller-key"
