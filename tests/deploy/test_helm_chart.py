"""The Kubernetes chart (deploy/helm/pit-assistant), checked without a cluster.

`helm lint` and `helm template` (the official Helm binary, from build/helm-venv) render the
chart; every manifest is checked against the Kubernetes schemas (kubernetes-validate,
strict). Then what a schema cannot see: the servers' commands parse with our own and
Rasa's command lines, the rendered endpoints.yml has the shape the cluster tests run, no
password is written into a ConfigMap, and the ingress routes patients' paths only.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import pytest
import yaml

from bot import cli
from bot.channels.registry import CHANNELS
from bot.cluster import nginx
from bot.cluster.services import TEMPLATE
from bot.settings import PROJECT_ROOT

CHART = PROJECT_ROOT / "deploy" / "helm" / "pit-assistant"
TEST_VALUES = CHART / "ci" / "test-values.yaml"
TOOLS = PROJECT_ROOT / "build" / "helm-venv" / "bin"
HELM = TOOLS / "helm"
VALIDATE = TOOLS / "kubernetes-validate"
# The chart's oldest supported Kubernetes (Chart.yaml's kubeVersion) and the newest schemas.
KUBERNETES_VERSIONS = ("1.25.0", "1.37.0")

pytestmark = pytest.mark.skipif(
    not HELM.exists() or not VALIDATE.exists(),
    reason="Helm's check tools are not installed (make helm: build/helm-venv)",
)

Manifest = Dict[str, Any]


def helm_template(sets: Sequence[str], values: Optional[Path]) -> subprocess.CompletedProcess:
    args = [str(HELM), "template", "clinic", str(CHART)]
    if values:
        args += ["-f", str(values)]
    for item in sets:
        args += ["--set", item]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def render(*sets: str, values: Optional[Path] = TEST_VALUES) -> List[Manifest]:
    done = helm_template(sets, values)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def render_error(*sets: str, values: Optional[Path] = TEST_VALUES) -> str:
    done = helm_template(sets, values)
    assert done.returncode != 0, "the chart rendered values it should refuse"
    return done.stderr


def one(manifests: Sequence[Manifest], kind: str, suffix: str = "") -> Manifest:
    found = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"].endswith(suffix)]
    assert len(found) == 1, f"{kind} *{suffix}: {[m['metadata']['name'] for m in found]}"
    return found[0]


def container(manifests: Sequence[Manifest], kind: str, suffix: str) -> Dict[str, Any]:
    return one(manifests, kind, suffix)["spec"]["template"]["spec"]["containers"][0]


def env_names(spec: Dict[str, Any]) -> List[str]:
    return [item["name"] for item in spec.get("env", [])]


def config_files(manifests: Sequence[Manifest]) -> Dict[str, Any]:
    data = one(manifests, "ConfigMap", "-config")["data"]
    return {name: yaml.safe_load(text) for name, text in data.items()}


def bot_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot")
    subparsers = parser.add_subparsers(dest="command")
    for register in cli.REGISTRARS:
        register(subparsers)
    return parser


def test_helm_lint_passes_strict() -> None:
    done = subprocess.run(
        [str(HELM), "lint", "--strict", str(CHART), "-f", str(TEST_VALUES)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(
    "sets",
    [
        (),
        ("channels.enabled={twilio,whatsapp,telegram,messenger}", "channels.secretName=chan"),
        ("secrets.existingSecret=pit", "rabbitmq.enabled=false", "ingress.enabled=false"),
        ("clinicSettings.configMap=clinic", "replicas.rasa=1", "replicas.actions=1"),
    ],
    ids=["test-values", "all-channels", "existing-secret", "one-replica"],
)
def test_every_manifest_passes_the_kubernetes_schemas(
    tmp_path: Path, version: str, sets: Sequence[str]
) -> None:
    manifests = render(*sets)
    target = tmp_path / "rendered.yaml"
    target.write_text(yaml.safe_dump_all(manifests), encoding="utf-8")
    done = subprocess.run(
        [str(VALIDATE), "--strict", "--quiet", "-k", version, str(target)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(manifests) >= 8


def test_missing_or_wrong_values_are_refused_with_a_clear_message() -> None:
    assert "image.repository is required" in render_error(values=None)
    assert "publicUrl is required" in render_error("image.repository=r", values=None)
    assert "publicUrl must be http(s)://host" in render_error("publicUrl=chat.example/x")
    assert "secrets.databasePassword is required" in render_error("secrets.databasePassword=")
    assert '"fax" is not a channel' in render_error("channels.enabled={fax}")
    too_short = render_error("redis.lockLifetimeSeconds=30")  # 60 s read timeout <= 2*30+5
    assert "ingress.readTimeoutSeconds (60) must be more than twice" in too_short


def test_the_servers_commands_are_our_own_and_rasas_command_lines() -> None:
    from rasa.__main__ import create_argument_parser

    manifests = render("channels.enabled={telegram}")
    ours = bot_parser()
    for kind, suffix, command in [
        ("Deployment", "-actions", "actions"),
        ("Deployment", "-web", "web"),
        ("Job", "-prepare-database", "db"),
    ]:
        spec = container(manifests, kind, suffix)
        assert spec["command"][:3] == ["/app/.venv/bin/python", "-m", "bot"]
        args = ours.parse_args(spec["command"][3:])
        assert args.command == command and callable(args.handler)
    rasa = container(manifests, "Deployment", "-rasa")
    assert rasa["command"][1:3] == ["-m", "bot.rasa_main"]
    parsed = create_argument_parser().parse_args(rasa["command"][3:])
    assert parsed.credentials == "/etc/pit/config/credentials.yml"
    assert parsed.endpoints == "/etc/pit/config/endpoints.yml"
    assert parsed.port == 5005
    web = container(manifests, "Deployment", "-web")
    assert web["command"][web["command"].index("--rasa-url") + 1] == "https://chat.clinic.example"


def test_endpoints_have_the_shape_the_cluster_tests_run_and_no_password() -> None:
    manifests = render()
    endpoints = config_files(manifests)["endpoints.yml"]
    template = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    assert set(endpoints) == set(template)
    for section in ("tracker_store", "lock_store", "nlg"):
        assert endpoints[section]["type"] == template[section]["type"]
    assert endpoints["event_broker"]["type"] == template["event_broker"]["type"]
    assert endpoints["lock_store"]["key_prefix"] == "pit"
    assert endpoints["action_endpoint"]["url"] == "http://clinic-pit-assistant-actions:5055/webhook"
    written = yaml.safe_dump(one(manifests, "ConfigMap", "-config"))
    assert "s3cretDbPass" not in written and "s3cretMqPass" not in written
    # Every ${VAR} the Rasa servers must expand is in their environment.
    rasa = env_names(container(manifests, "Deployment", "-rasa"))
    wanted = set(re.findall(r"\$\{(\w+)\}", yaml.safe_dump(endpoints)))
    assert wanted and wanted <= set(rasa), wanted - set(rasa)
    # Kubernetes composes the database URL from variables defined before it.
    assert rasa.index("PIT_CLUSTER_DB_PASSWORD") < rasa.index("PIT_DATABASE_URL")
    without_broker = config_files(render("rabbitmq.enabled=false"))["endpoints.yml"]
    assert "event_broker" not in without_broker


def test_secrets_are_random_per_install_or_the_clinics_own() -> None:
    first, second = (one(render(), "Secret", "-secrets")["data"] for _ in range(2))
    for key in ("action-server-token", "studio-parse-token", "studio-model-token"):
        assert first[key] != second[key]
        assert len(first[key]) >= 64  # 48 random characters, base64
    manifests = render("secrets.existingSecret=clinic-pit")
    assert not [m for m in manifests if m["kind"] == "Secret"]
    for suffix in ("-rasa", "-actions", "-web"):
        refs = {
            item["valueFrom"]["secretKeyRef"]["name"]
            for item in container(manifests, "Deployment", suffix)["env"]
            if "valueFrom" in item
        }
        assert refs == {"clinic-pit"}


def test_channels_match_our_registry_and_open_only_when_switched_on() -> None:
    names = [channel.name for channel in CHANNELS]
    manifests = render("channels.enabled={%s}" % ",".join(names), "channels.secretName=chan")
    credentials = config_files(manifests)["credentials.yml"]
    assert {c.class_path for c in CHANNELS} <= set(credentials)
    rules = one(manifests, "Ingress", "-assistant")["spec"]["rules"]
    paths = {path["path"] for path in rules[0]["http"]["paths"]}
    assert {c.webhook_path() for c in CHANNELS} <= paths
    rasa = container(manifests, "Deployment", "-rasa")
    assert rasa["envFrom"] == [{"secretRef": {"name": "chan"}}]
    closed = config_files(render())["credentials.yml"]
    assert not {c.class_path for c in CHANNELS} & set(closed)


def test_the_ingress_routes_patients_paths_only_and_socketio_sticks() -> None:
    manifests = render("channels.enabled={telegram}")
    routes = {}
    for ingress in (m for m in manifests if m["kind"] == "Ingress"):
        for path in ingress["spec"]["rules"][0]["http"]["paths"]:
            routes[path["path"]] = path["backend"]["service"]["name"]
    to_rasa = {path for path, service in routes.items() if service.endswith("-rasa")}
    assert to_rasa == {"/socket.io/", "/webhooks/rest/webhook", "/webhooks/telegram/webhook"}
    assert routes["/"].endswith("-web")  # /model, /status, studio channels: not Rasa's
    sticky = one(manifests, "Ingress", "-socketio")["metadata"]["annotations"]
    assert sticky["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    balanced = one(manifests, "Ingress", "-assistant")["metadata"]["annotations"]
    assert "nginx.ingress.kubernetes.io/affinity" not in balanced
    assert balanced["nginx.ingress.kubernetes.io/proxy-read-timeout"] == str(nginx.READ_TIMEOUT_S)
    assert one(manifests, "Ingress", "-assistant")["spec"]["tls"][0]["hosts"] == [
        "chat.clinic.example"
    ]


def test_replicas_locks_and_the_database_job_follow_the_values() -> None:
    manifests = render("replicas.rasa=3", "replicas.actions=4", "redis.lockLifetimeSeconds=15")
    assert one(manifests, "Deployment", "-rasa")["spec"]["replicas"] == 3
    assert one(manifests, "Deployment", "-actions")["spec"]["replicas"] == 4
    rasa = container(manifests, "Deployment", "-rasa")
    lifetime = next(e for e in rasa["env"] if e["name"] == "TICKET_LOCK_LIFETIME")
    assert lifetime["value"] == "15"
    job = one(manifests, "Job", "-prepare-database")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    budgets = [m for m in manifests if m["kind"] == "PodDisruptionBudget"]
    assert len(budgets) == 2
    single = render("replicas.rasa=1", "replicas.actions=1")
    assert not [m for m in single if m["kind"] == "PodDisruptionBudget"]  # would block drains


def test_pods_run_unprivileged_and_only_rasa_reaches_the_action_servers() -> None:
    manifests = render()
    for kind, suffix in [
        ("Deployment", "-rasa"),
        ("Deployment", "-actions"),
        ("Deployment", "-web"),
        ("Job", "-prepare-database"),
    ]:
        pod = one(manifests, kind, suffix)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        security = pod["containers"][0]["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
    policy = one(manifests, "NetworkPolicy", "-actions")
    allowed = policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]
    assert allowed["app.kubernetes.io/component"] == "rasa"
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "actions"
