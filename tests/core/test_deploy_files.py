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


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: comments dropped, continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = (pending + stripped).strip()
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def test_dockerfile_is_slim_non_root_and_healthchecked() -> None:
    steps = dockerfile_instructions((ROOT / "Dockerfile").read_text())
    keywords = [keyword for keyword, _ in steps]
    assert steps[0][0] == "FROM" and steps[0][1].startswith("python:3.11-slim")
    users = [arguments for keyword, arguments in steps if keyword == "USER"]
    assert users == ["watchfloor"]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    assert any("useradd" in arguments for keyword, arguments in steps if keyword == "RUN")
    [healthcheck] = [arguments for keyword, arguments in steps if keyword == "HEALTHCHECK"]
    assert "/healthz" in healthcheck
    copied = {arguments.split()[0] for keyword, arguments in steps if keyword == "COPY"}
    assert {"app", "migrations", "alembic.ini"} <= copied
    [entrypoint] = [yaml.safe_load(a) for k, a in steps if k == "ENTRYPOINT"]
    [command] = [yaml.safe_load(a) for k, a in steps if k == "CMD"]
    assert entrypoint == ["watchfloor"]
    build_parser().parse_args(command)  # exits (SystemExit) if the CLI does not have it


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
