"""The Dockerfile and compose file cannot run here (no Docker engine): check what reading can."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from app.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_names_the_services_and_real_cli_commands() -> None:
    services = _compose()["services"]
    assert {"db", "migrate", "api", "collector"} <= set(services)
    parser = build_parser()
    for name in ("migrate", "api", "collector"):
        command = services[name]["command"]
        parser.parse_args(command)  # exits (SystemExit) if the CLI does not have it
    assert services["api"]["command"][0] == "api"  # API replicas never run the scheduler
    assert services["collector"]["command"] == ["collector"]


def test_compose_orders_start_up_and_checks_postgres_health() -> None:
    services = _compose()["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("api", "collector"):
        assert (
            services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        )
    assert "pgdata" in _compose()["volumes"]
    assert services["api"]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")


def test_dockerfile_is_slim_non_root_and_healthchecked() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert text.splitlines()[1].startswith("FROM python:3.11-slim")
    assert "\nUSER watchfloor" in text and "useradd" in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    for path in ("app", "migrations", "alembic.ini"):
        assert f"COPY {path}" in text
    cmd_line = next(line for line in text.splitlines() if line.startswith("CMD"))
    build_parser().parse_args(yaml.safe_load(cmd_line.removeprefix("CMD ")))


@pytest.mark.skipif(
    subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0
    if shutil.which("docker")
    else True,
    reason="the docker compose plugin is not installed on this machine",
)
def test_docker_compose_config_parses() -> None:
    result = subprocess.run(
        ["docker", "compose", "config", "-q"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_readme_configuration_table_lists_every_setting() -> None:
    from app.core.settings_doc import BEGIN, END, settings_table

    readme = (ROOT / "README.md").read_text()
    current = readme[readme.index(BEGIN) : readme.index(END) + len(END)]
    assert current == settings_table(), "run `python -m app.core.settings_doc` and paste it"


def test_services_without_http_do_not_inherit_the_api_healthcheck() -> None:
    services = _compose()["services"]
    for name in ("migrate", "collector"):
        assert services[name]["healthcheck"] == {"disable": True}
    assert "healthcheck" not in services["api"]  # the image's HEALTHCHECK applies
