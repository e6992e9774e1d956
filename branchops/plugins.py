"""Services plug themselves into the platform through entry points, so the platform imports and names none.

Two entry-point groups, declared in the ``pyproject.toml`` of the distribution that ships the services:

``branchops.services``
    ``<name> = "<module>:<attribute>"``, the attribute a :class:`ServiceDescriptor` whose ``name`` is
    ``<name>``: what the devstack and ``branchops up`` need to run that service.
``branchops.cli``
    ``<name> = "<module>:register"``, a function ``register(subparsers)`` adding ``branchops`` subcommands
    (it imports its heavy dependencies only inside the commands it runs, so ``branchops --help`` stays
    fast). ``<name>`` is a service's name, or ``<service>.<part>`` for more of that service's commands;
    commands are added in the services' start order, then by name.

Entry points come in no particular order (setuptools writes them sorted by name), hence ``start_order``.
Anything unusable (a module that does not import, an attribute of the wrong kind, two services with one
name or port) raises :class:`PluginError` naming the entry point and what is wrong with it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SERVICES_GROUP = "branchops.services"
CLI_GROUP = "branchops.cli"

CliRegistration = Callable[[Any], None]
"""``register(subparsers)``: adds subcommands to the ``argparse`` subparsers of ``branchops``."""


class PluginError(RuntimeError):
    """An entry point of the ``branchops.*`` groups that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class ServiceDescriptor:
    """One service, as the platform runs it (registered under ``branchops.services``)."""

    name: str
    """Short name: log file, banner, ``needs`` of other services."""
    env_prefix: str
    """Prefix of its settings' environment variables, without the ``_`` (``QUEUE`` for ``QUEUE_REDIS_URL``)."""
    default_port: int
    """HTTP port it listens on unless told otherwise (0: any free port)."""
    app_factory: str
    """``module:callable`` returning its ASGI app, as ``uvicorn --factory`` takes it."""
    start_order: int = 0
    """``branchops up`` starts services lowest first (ties by name)."""
    needs: tuple[str, ...] = ()
    """Services it calls; they must be registered too (started alongside it, each in its own order)."""
    database: bool = False
    """It keeps its state in PostgreSQL: the devstack starts one and sets ``<env_prefix>_DATABASE_URL``."""
    simulator: tuple[str, ...] = ()
    """Arguments of a ``branchops`` command that drives it with simulated traffic, run by ``branchops up`` when
    it simulates a branch; it fills in ``{branch}``, ``{speed}``, ``{minutes}`` (simulated minutes to run),
    ``{url}`` (this service), ``{<service>_url}`` (another service: ``{records_url}``), ``{redis_url}``,
    ``{kafka}`` (the broker's bootstrap) and ``{key_<role>}`` (an API key of that role: ``{key_teller}``)."""
    simulator_env: tuple[tuple[str, str], ...] = ()
    """Environment variables of the simulator, ``(name, value)`` with the same placeholders: where secrets go
    (``("BRANCHOPS_SIM_API_KEY", "{key_teller}")``), since a command line is visible to every user in ``ps``."""
    dev_setup: str = ""
    """``module:callable`` that ``branchops up`` calls with a :class:`DevRun` before it starts the service; the
    :class:`DevSetup` it returns adds environment variables (demo logins, device keys, other services' URLs
    and keys) and banner lines (how a person uses the service in this run). Empty: nothing to set up."""

    def __post_init__(self) -> None:
        if any("{key_" in arg for arg in self.simulator):
            raise ValueError(
                f"service {self.name}: API keys go in simulator_env, never on the command line (ps shows it)"
            )
        if not self.name or not self.name.replace(".", "_").replace("-", "_").isidentifier():
            raise ValueError(f"service name must be a short identifier, got {self.name!r}")
        if not self.env_prefix.isidentifier() or not self.env_prefix.isupper():
            raise ValueError(f"service {self.name}: env_prefix must be upper case like QUEUE, got {self.env_prefix!r}")
        if not 0 <= self.default_port <= 65535:
            raise ValueError(f"service {self.name}: default_port out of range: {self.default_port}")
        module, _, attribute = self.app_factory.partition(":")
        if not module or not attribute:
            raise ValueError(f"service {self.name}: app_factory must be 'module:callable', got {self.app_factory!r}")
        if self.name in self.needs:
            raise ValueError(f"service {self.name} needs itself")


@dataclass(frozen=True)
class DevRun:
    """What ``branchops up`` tells a service's ``dev_setup`` about this run."""

    branch: str
    """The simulated branch."""
    urls: Mapping[str, str]
    """Base URL of every service of the run, by service name (``http://127.0.0.1:<port>``)."""
    api_keys: Mapping[str, str]
    """This run's platform API key of each role, by role value (``service``, ``teller``, ...)."""


@dataclass(frozen=True)
class DevSetup:
    """A service's part of the run: its environment and what the banner says about it."""

    env: Mapping[str, str] = field(default_factory=dict)
    banner: Sequence[str] = ()


def run_dev_setup(service: ServiceDescriptor, run: DevRun) -> DevSetup:
    """Call the service's ``dev_setup`` (an empty :class:`DevSetup` when it names none)."""
    if not service.dev_setup:
        return DevSetup()
    module, _, attribute = service.dev_setup.partition(":")
    try:
        setup = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"service {service.name}: dev_setup {service.dev_setup!r}: {exc}") from exc
    result = setup(run)
    if not isinstance(result, DevSetup):
        raise PluginError(f"service {service.name}: dev_setup returned a {type(result).__name__}, not a DevSetup")
    return result


def _describe(entry: importlib.metadata.EntryPoint) -> str:
    dist = getattr(entry, "dist", None)
    source = f" of {dist.name} {dist.version}" if dist is not None else ""
    return f"entry point {entry.name!r} = {entry.value!r} (group {entry.group}{source})"


def _load(entry: importlib.metadata.EntryPoint) -> object:
    try:
        return entry.load()
    except Exception as exc:  # the plugin's own import may fail in any way; say which plugin it was
        raise PluginError(f"cannot load {_describe(entry)}: {type(exc).__name__}: {exc}") from exc


def _registered(
    group: str, found: Iterable[importlib.metadata.EntryPoint] | None
) -> list[importlib.metadata.EntryPoint]:
    return list(importlib.metadata.entry_points(group=group) if found is None else found)


def load_services(found: Iterable[importlib.metadata.EntryPoint] | None = None) -> tuple[ServiceDescriptor, ...]:
    """The registered services in start order (``found``: these entry points instead of the installed ones)."""
    entries = _registered(SERVICES_GROUP, found)
    if not entries:
        raise PluginError(
            f"no service is registered in entry-point group {SERVICES_GROUP!r}: is the package that "
            "ships the services installed (pip install -e .)?"
        )
    by_name: dict[str, ServiceDescriptor] = {}
    by_port: dict[int, str] = {}
    origin: dict[str, str] = {}
    for entry in entries:
        service = _load(entry)
        if not isinstance(service, ServiceDescriptor):
            raise PluginError(f"{_describe(entry)} is a {type(service).__name__}, not a ServiceDescriptor")
        if service.name != entry.name:
            raise PluginError(f"{_describe(entry)} describes service {service.name!r}: name the entry point after it")
        if service.name in by_name:
            raise PluginError(
                f"{_describe(entry)}: service {service.name!r} is registered twice, also by the {origin[service.name]}"
            )
        if service.default_port and service.default_port in by_port:
            raise PluginError(
                f"{_describe(entry)}: port {service.default_port} is also the default of "
                f"service {by_port[service.default_port]!r}"
            )
        by_name[service.name] = service
        by_port[service.default_port] = service.name
        origin[service.name] = _describe(entry)
    for service in by_name.values():
        missing = sorted(set(service.needs) - set(by_name))
        if missing:
            raise PluginError(
                f"service {service.name!r} needs {', '.join(missing)}, which no entry point in group "
                f"{SERVICES_GROUP!r} registers"
            )
    return tuple(sorted(by_name.values(), key=lambda s: (s.start_order, s.name)))


def load_cli(
    found: Iterable[importlib.metadata.EntryPoint] | None = None, services: Sequence[ServiceDescriptor] | None = None
) -> list[CliRegistration]:
    """The ``register`` functions of the ``branchops.cli`` group, in the services' start order, then by name.

    ``services``: the services that order them (default: :func:`load_services`); a name that is not a
    service's comes after all that are.
    """
    entries = _registered(CLI_GROUP, found)
    rank = {s.name: i for i, s in enumerate(load_services() if services is None else services)}
    entries.sort(key=lambda e: (rank.get(e.name.split(".")[0], len(rank)), e.name))
    registrations: list[CliRegistration] = []
    for entry in entries:
        register = _load(entry)
        if not callable(register):
            raise PluginError(f"{_describe(entry)} is a {type(register).__name__}, not a register(subparsers) function")
        registrations.append(register)
    return registrations
