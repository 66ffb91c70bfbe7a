"""The compose stack's files, checked without a Docker engine: the Compose Specification schema,
hadolint, actionlint, and what the services, the SPA and Grafana rely on in each config file.

Every check reads the files as shipped; values are cross-checked against each other (the port
a URL names against the port compose maps, a metric a dashboard queries against the code that
exports it) rather than against copies written into this test.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from dotenv import dotenv_values
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from tests.support.deploy_files import (
    MAKE_UP_PORTS,
    REPO,
    alloy_blocks,
    compose,
    compose_default,
    dockerfiles,
    host_ports,
)
from tests.support.live_server import free_port, poll_until
from tests.support.otlp_receiver import OtlpReceiver

BIN = Path(sys.executable).parent
ARCHITECTURE = {
    "postgres", "demo-data", "aw-service", "wwi-service", "api-gateway", "frontend",
    "business-telemetry", "keycloak", "alloy", "tempo", "prometheus", "grafana",
}  # fmt: skip
IMAGES = {"api-gateway", "aw-service", "wwi-service", "frontend", "business-telemetry"}


def _run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_compose_file_validates_against_the_compose_specification() -> None:
    result = _run(BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec",
                  "docker-compose.yml")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_validation_catches_a_wrong_key(tmp_path: Path) -> None:
    """The schema check above can fail: a misspelt key is refused."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(
        (REPO / "docker-compose.yml").read_text().replace("depends_on:", "depend_on:", 1)
    )
    result = _run(BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", broken)
    assert result.returncode == 1 and "depend_on" in result.stdout


def test_every_service_of_the_architecture_is_present() -> None:
    assert set(compose()["services"]) == ARCHITECTURE


def test_every_build_context_dockerfile_mount_and_env_file_exists() -> None:
    for name, service in compose()["services"].items():
        build = service.get("build")
        if build:
            context = REPO / build["context"]
            assert context.is_dir(), name
            assert (context / build.get("dockerfile", "Dockerfile")).is_file(), name
            if "target" in build:
                dockerfile = (context / build.get("dockerfile", "Dockerfile")).read_text()
                assert re.search(rf"^FROM .+ AS {build['target']}$", dockerfile, re.M), name
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name}: {source}"
            else:
                assert source in compose()["volumes"], f"{name}: undeclared volume {source}"
        for env_file in service.get("env_file", []):
            if env_file.get("required", True):
                assert (REPO / env_file["path"]).is_file(), f"{name}: {env_file['path']}"


def test_no_two_services_publish_the_same_host_port_nor_one_of_make_ups() -> None:
    published = [(name, port) for name, port in host_ports()]
    ports = [port for _, port in published]
    assert len(ports) == len(set(ports)), published
    assert not set(ports) & MAKE_UP_PORTS, published
    # Published on the loopback interface only: a development stack is not a public one.
    for service in compose()["services"].values():
        for mapping in service.get("ports", []):
            assert mapping.startswith("127.0.0.1:"), mapping


def test_dependencies_wait_for_health_and_the_demo_build() -> None:
    services = compose()["services"]
    for name in ("aw-service", "wwi-service"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["demo-data"]["condition"] == "service_completed_successfully"
    gateway = services["api-gateway"]["depends_on"]
    assert {gateway[name]["condition"] for name in ("aw-service", "wwi-service", "keycloak")} == {
        "service_healthy"
    }
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            if rule["condition"] == "service_healthy":
                target = services[dependency]
                has_check = "healthcheck" in target or "build" in target  # image HEALTHCHECK
                assert has_check, f"{name} waits for {dependency}, which has no health check"


def test_keycloak_is_26_with_health_on_the_management_port_and_no_curl() -> None:
    keycloak = compose()["services"]["keycloak"]
    assert re.fullmatch(r"quay\.io/keycloak/keycloak:26\.\d+(\.\d+)?", keycloak["image"])
    assert keycloak["command"] == ["start-dev", "--import-realm"]
    env = keycloak["environment"]
    assert {"KC_BOOTSTRAP_ADMIN_USERNAME", "KC_BOOTSTRAP_ADMIN_PASSWORD"} <= set(env)
    assert env["KC_HEALTH_ENABLED"] == "true"
    check = " ".join(keycloak["healthcheck"]["test"])
    assert "/dev/tcp/127.0.0.1/9000" in check and "/health/ready" in check
    assert "curl" not in check and "wget" not in check


@pytest.mark.parametrize("dockerfile", dockerfiles(), ids=lambda path: str(path.relative_to(REPO)))
def test_dockerfile_passes_hadolint(dockerfile: Path) -> None:
    result = _run(BIN / "hadolint", "--failure-threshold", "error", dockerfile)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", dockerfiles(), ids=lambda path: str(path.relative_to(REPO)))
def test_dockerfile_pins_its_bases_runs_as_non_root_and_checks_health(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, re.M))
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?$", text, re.M)
    names = {stage for _, stage in stages if stage}
    for image, _ in stages:
        image = re.sub(r"\$\{(\w+)\}", lambda match: args[match.group(1)], image)
        if image in names:
            continue  # a previous stage
        assert ":" in image and not image.endswith(":latest"), image
    assert re.search(r"^USER (?!root|0\b)\S+", text, re.M), "no non-root USER"
    assert "HEALTHCHECK" in text
    # Python dependencies only from the lock: uv sync --frozen, or the exported requirements.
    for install in re.findall(r"^RUN .*(?:pip|uv) .*$", text, re.M):
        assert (
            "uv sync --frozen" in install
            or "-r requirements.txt" in install
            or (re.search(r"pip install --no-cache-dir uv==\d", install))
        ), install


def test_every_service_image_has_its_own_healthcheck() -> None:
    """Each of the five images declares a HEALTHCHECK in the stage compose runs."""
    for name, service in compose()["services"].items():
        if name not in IMAGES:
            continue
        build = service["build"]
        text = (REPO / build["context"] / build.get("dockerfile", "Dockerfile")).read_text()
        stage = text
        if "target" in build:
            stage = text.split(f" AS {build['target']}\n", 1)[1].split("\nFROM ", 1)[0]
        assert "HEALTHCHECK" in stage, name


def test_business_telemetry_requirements_are_the_lock_exported() -> None:
    uv = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    result = _run(uv, "export", "--frozen", "--package", "business-telemetry", "--no-hashes",
                  "--no-dev", "--no-emit-project")  # fmt: skip
    assert result.returncode == 0, result.stderr

    def pins(text: str) -> list[str]:
        return [line for line in text.splitlines() if line and not line.startswith("#")
                and not line.startswith("    #")]  # fmt: skip

    shipped = (REPO / "business-telemetry" / "requirements.txt").read_text()
    assert pins(shipped) == pins(result.stdout)


def test_workflow_passes_actionlint() -> None:
    result = _run(BIN / "actionlint", ".gitea/workflows/docker-publish.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_builds_the_five_images_as_compose_does_and_never_pushes_a_pull_request() -> None:
    text = (REPO / ".gitea/workflows/docker-publish.yml").read_text()
    workflow = yaml.safe_load(text)
    job = workflow["jobs"]["image"]
    matrix = {entry["image"]: entry for entry in job["strategy"]["matrix"]["include"]}
    assert set(matrix) == IMAGES
    for name, entry in matrix.items():
        build = compose()["services"][name]["build"]
        assert Path(entry["context"]) == Path(build["context"]), name
        assert Path(entry["file"]) == Path(build["context"]) / build.get("dockerfile", "Dockerfile")
        assert entry["target"] == build.get("target", ""), name
    for name in ("vars.REGISTRY", "vars.IMAGE_PREFIX", "secrets.REGISTRY_USERNAME",
                 "secrets.REGISTRY_PASSWORD"):  # fmt: skip
        assert "${{ " + name + " }}" in text, name
    steps = {step.get("name"): step for step in job["steps"]}
    assert steps["Log in to the registry"]["if"] == "github.event_name != 'pull_request'"
    push = steps["Build and push"]["with"]["push"]
    assert push == "${{ github.event_name != 'pull_request' }}"
    tags = steps["Image name and tags"]["with"]["tags"]
    assert "type=sha,prefix=sha-" in tags and "type=ref,event=branch" in tags
    assert "type=semver" in tags
    assert "enable=${{ github.event_name == 'push' && github.ref == 'refs/heads/master' }}" in tags
    assert "latest=false" in steps["Image name and tags"]["with"]["flavor"]


def _realm() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REPO / "deploy/keycloak/realm.json").read_text())
    return data


def _compose_env() -> dict[str, str]:
    return {k: v or "" for k, v in dotenv_values(REPO / "deploy/compose.env").items()}


def test_realm_gives_the_spa_pkce_and_the_gateway_its_audience_scope_and_sub() -> None:
    realm, env = _realm(), _compose_env()
    clients = {client["clientId"]: client for client in realm["clients"]}
    spa = clients[env["FRONTEND_OIDC_CLIENT_ID"]]
    assert spa["publicClient"] is True and spa["standardFlowEnabled"] is True
    assert spa["implicitFlowEnabled"] is False and spa["directAccessGrantsEnabled"] is False
    assert spa["attributes"]["pkce.code.challenge.method"] == "S256"
    frontend_port = compose_default(compose()["services"]["frontend"]["ports"][0]).split(":")[1]
    origin = f"http://localhost:{frontend_port}"
    assert f"{origin}/*" in spa["redirectUris"] and origin in spa["webOrigins"]
    scopes = {scope["name"]: scope for scope in realm["clientScopes"]}
    # Without `basic` among the defaults, Keycloak 25+ access tokens carry no `sub`.
    assert "basic" in spa["defaultClientScopes"]
    assert any(m["protocolMapper"] == "oidc-sub-mapper" for m in scopes["basic"]["protocolMappers"])
    for required in env["FRONTEND_REQUIRED_SCOPES"].split():
        assert required in spa["defaultClientScopes"] and required in scopes
        assert scopes[required]["attributes"]["include.in.token.scope"] == "true"
    audiences = {
        mapper["config"]["included.custom.audience"]
        for name in spa["defaultClientScopes"]
        for mapper in scopes[name].get("protocolMappers", [])
        if mapper["protocolMapper"] == "oidc-audience-mapper"
        and mapper["config"]["access.token.claim"] == "true"
    }
    assert env["FRONTEND_JWT_AUDIENCE"] in audiences
    user = realm["users"][0]
    assert user["enabled"] and user["credentials"][0]["type"] == "password"


def test_gateway_issuer_is_the_browser_facing_url_and_jwks_the_in_network_one() -> None:
    env, keycloak = _compose_env(), compose()["services"]["keycloak"]
    realm = _realm()["realm"]
    hostname = keycloak["environment"]["KC_HOSTNAME"]
    published = keycloak["ports"][0].split(":")[1]
    assert hostname == f"http://localhost:{published}"
    assert env["FRONTEND_JWT_ISSUER_URL"] == env["OIDC_AUTHORITY"] == f"{hostname}/realms/{realm}"
    assert env["FRONTEND_JWT_JWKS_URL"] == (
        f"http://keycloak:8080/realms/{realm}/protocol/openid-connect/certs"
    )


def test_alloy_pipeline_is_wired_and_exports_to_the_compose_services() -> None:
    blocks, references = alloy_blocks((REPO / "deploy/alloy/config.alloy").read_text())
    declared = set(blocks)
    for reference in references:
        assert reference in declared, f"{reference} is used but never declared"
    receiver = blocks["otelcol.receiver.otlp.default"]
    assert '"0.0.0.0:4317"' in receiver and '"0.0.0.0:4318"' in receiver
    assert "otelcol.processor.batch.default.input" in receiver
    assert 'endpoint = "tempo:4317"' in blocks["otelcol.exporter.otlp.tempo"]
    assert (
        'url = "http://prometheus:9090/api/v1/write"' in blocks["prometheus.remote_write.default"]
    )
    prometheus = compose()["services"]["prometheus"]["command"]
    assert "--web.enable-remote-write-receiver" in prometheus


def test_alloy_parser_notices_a_dangling_reference() -> None:
    _, references = alloy_blocks('a.b "x" {\n  out = [c.d.missing.input]\n}\n')
    assert references == {"c.d.missing"}


def test_tempo_config_is_written_for_the_pinned_major() -> None:
    config = yaml.safe_load((REPO / "deploy/tempo/tempo.yaml").read_text())
    image = compose()["services"]["tempo"]["image"]
    major = int(image.split(":")[1].split(".")[0])
    if major >= 3:  # 3.x replaced the ingester and compactor
        assert not {"ingester", "compactor", "ingester_client"} & set(config)
    else:
        assert major == 2
    assert config["server"]["http_listen_port"] == 3200
    protocols = config["distributor"]["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"] == "0.0.0.0:4317"
    assert config["storage"]["trace"]["backend"] == "local"


def test_prometheus_scrapes_business_telemetry_where_compose_runs_it() -> None:
    config = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    target = jobs["business-telemetry"]["static_configs"][0]["targets"][0]
    host, port = target.split(":")
    telemetry = compose()["services"][host]
    assert telemetry["ports"][0].endswith(f":{port}")
    assert jobs["business-telemetry"]["metrics_path"] == "/metrics"


def test_grafana_datasources_point_at_the_compose_services() -> None:
    path = REPO / "deploy/grafana/provisioning/datasources/datasources.yaml"
    sources = {ds["type"]: ds for ds in yaml.safe_load(path.read_text())["datasources"]}
    assert sources["tempo"]["url"] == "http://tempo:3200"
    assert sources["prometheus"]["url"] == "http://prometheus:9090"
    services = compose()["services"]
    assert any(p.endswith(":3200") for p in services["tempo"]["ports"])
    assert any(p.endswith(":9090") for p in services["prometheus"]["ports"])
    provider = yaml.safe_load(
        (REPO / "deploy/grafana/provisioning/dashboards/dashboards.yaml").read_text()
    )["providers"][0]
    mounts = dict(volume.split(":")[:2] for volume in services["grafana"]["volumes"])
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]


def test_dashboard_queries_metrics_that_exist() -> None:
    dashboard = json.loads((REPO / "deploy/grafana/dashboards/otel-bi-overview.json").read_text())
    uids = {
        ds["uid"]
        for ds in yaml.safe_load(
            (REPO / "deploy/grafana/provisioning/datasources/datasources.yaml").read_text()
        )["datasources"]
    }
    exported = set()
    for source in (REPO / "business-telemetry" / "business_telemetry" / "service").rglob("*.py"):
        exported |= set(re.findall(r'"(bt_[a-z_]+)"', source.read_text()))
    alloy = (REPO / "deploy/alloy/config.alloy").read_text()
    queried = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] in uids
            queried += re.findall(r"\b((?:bt|traces_spanmetrics)_[a-z_]+)", target["expr"])
    assert any(name.startswith("bt_") for name in queried)
    for name in queried:
        if name.startswith("bt_"):  # prometheus-client adds _total to counters
            assert re.sub(r"_total$", "", name) in exported, name
        else:
            assert 'namespace              = "traces_spanmetrics"' in alloy
            assert name in {"traces_spanmetrics_calls_total",
                            "traces_spanmetrics_duration_seconds_bucket"}, name  # fmt: skip
            assert 'unit = "s"' in alloy  # so the histogram is named ..._seconds


def test_nginx_config_proxies_api_and_otlp_by_template_variables() -> None:
    text = (REPO / "deploy/frontend/nginx.conf").read_text()
    dockerfile = (REPO / "frontend/Dockerfile").read_text()
    variables = set(re.findall(r"\$\{(\w+)\}", text))
    assert variables == {"API_GATEWAY_UPSTREAM", "OTLP_UPSTREAM"}
    for name in variables:  # the image sets a default for each, and only these are substituted
        assert re.search(rf"\b{name}=http://", dockerfile), name
    assert 'NGINX_ENVSUBST_FILTER="_UPSTREAM$"' in dockerfile
    assert "location /api/ {\n        proxy_pass ${API_GATEWAY_UPSTREAM};" in text
    assert "location /otlp/ {\n        proxy_pass ${OTLP_UPSTREAM}/;" in text
    assert "try_files $uri $uri/ /index.html;" in text
    template = "COPY deploy/frontend/nginx.conf /etc/nginx/templates/default.conf.template"
    assert template in dockerfile


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed here")
def test_nginx_accepts_the_rendered_config(tmp_path: Path) -> None:
    rendered = (
        (REPO / "deploy/frontend/nginx.conf")
        .read_text()
        .replace("${API_GATEWAY_UPSTREAM}", "http://127.0.0.1:8000")
        .replace("${OTLP_UPSTREAM}", "http://127.0.0.1:4318")
    )
    (tmp_path / "default.conf").write_text(rendered)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\n  access_log off;\n  include {tmp_path}/default.conf;\n}}\n"
    )
    result = _run("nginx", "-t", "-c", main, "-p", tmp_path)
    assert result.returncode == 0, result.stderr


def test_readme_documents_every_setting_and_the_compose_ports() -> None:
    from shared.core.config import Settings

    readme = (REPO / "README.md").read_text()
    reference = readme.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    missing = [
        name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in reference
    ]
    assert not missing, f"settings absent from the configuration reference: {missing}"
    compose_section = readme.split("## Docker Compose", 1)[1].split("\n## ", 1)[0]
    for name, port in host_ports():
        assert f"localhost:{port}" in compose_section or f":{port}" in compose_section, name
    for step in range(1, 9):
        assert f"\n{step}. " in readme.split("## Verification checklist", 1)[1]


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_keycloak_healthcheck_command_reads_the_ready_status(status: int, healthy: bool) -> None:
    """The compose healthcheck's bash, run against a stand-in for the management port."""

    class Ready(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status if self.path == "/health/ready" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ready)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        test = compose()["services"]["keycloak"]["healthcheck"]["test"]
        assert test[:3] == ["CMD", "bash", "-c"]
        port = server.server_address[1]
        script = test[3].replace("$$", "$").replace("/127.0.0.1/9000", f"/127.0.0.1/{port}")
        result = subprocess.run(["bash", "-c", script], capture_output=True, timeout=10)
        assert (result.returncode == 0) is healthy, result.stderr
    finally:
        server.shutdown()
        server.server_close()


class _Echo(BaseHTTPRequestHandler):
    """A stand-in gateway: answers every request with its method and path."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps({"method": self.command, "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed here")
def test_nginx_serves_the_spa_and_proxies_api_and_otlp(tmp_path: Path) -> None:
    """The SPA's nginx config, rendered as the image's entrypoint does, in a real nginx."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>spa</html>")
    (dist / "assets" / "app-1234.js").write_text("console.log(1)")
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    port = free_port()
    with OtlpReceiver() as otlp:
        rendered = (
            (REPO / "deploy/frontend/nginx.conf")
            .read_text()
            .replace("${API_GATEWAY_UPSTREAM}", f"http://127.0.0.1:{gateway.server_address[1]}")
            .replace("${OTLP_UPSTREAM}", otlp.endpoint)
            .replace("listen 8080;", f"listen 127.0.0.1:{port};")
            .replace("root /usr/share/nginx/html;", f"root {dist};")
        )
        (tmp_path / "default.conf").write_text(rendered)
        temp = "\n".join(
            f"  {name}_temp_path {tmp_path}/{name};"
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (tmp_path / "nginx.conf").write_text(
            f"user root;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
            f"events {{}}\nhttp {{\n  access_log off;\n{temp}\n"
            f"  include {tmp_path}/default.conf;\n}}\n"
        )
        nginx = subprocess.Popen(
            ["nginx", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path), "-g",
             "daemon off;"], stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            poll_until(lambda: httpx.get(f"{base}/healthz").status_code == 200, timeout=20)
            api = httpx.get(f"{base}/api/aw/sales/kpis?year=2013")
            assert api.json() == {"method": "GET", "path": "/api/aw/sales/kpis?year=2013"}
            route = httpx.get(f"{base}/callback?code=x")  # a client-side route
            assert route.text == "<html>spa</html>" and route.headers["cache-control"] == "no-cache"
            asset = httpx.get(f"{base}/assets/app-1234.js")
            assert "immutable" in asset.headers["cache-control"]
            assert httpx.get(f"{base}/assets/missing.js").status_code == 404
            # Browser traces land in the OTLP receiver (Alloy's place), whether the SPA is given
            # /otlp as a base URL or as the full traces URL.
            for endpoint, name in ((f"{base}/otlp/v1/traces", "base"), (f"{base}/otlp", "full")):
                provider = TracerProvider(resource=Resource.create({"service.name": "frontend"}))
                provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint)))
                with provider.get_tracer("spa").start_as_current_span(name):
                    pass
                provider.shutdown()
            otlp.wait_for(lambda spans: {"base", "full"} <= {s.name for s in spans}, timeout=10)
        finally:
            nginx.terminate()
            nginx.wait(timeout=20)
            gateway.shutdown()
            gateway.server_close()
