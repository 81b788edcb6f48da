"""scripts/bench_peer.py without the network, PostGIS or pygeoapi: its command line and its pure
helpers (wrk report parsing, pygeoapi's configuration, the query shapes, the ratios)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import bench_peer  # noqa: E402

# wrk 4.1 against a server answering 404, plus the socket-error line wrk adds when it has some.
WRK_REPORT = """\
Running 10s test @ http://127.0.0.1:18765/collections/events/items?limit=100
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    46.21ms   18.07ms   1.20s    83.12%
    Req/Sec   170.00     30.00   210.00     70.00%
  Latency Distribution
     50%   43.01ms
     75%   52.00ms
     90%  630.50us
     99%    1.20s
  1698 requests in 10.00s, 83.84MB read
  Socket errors: connect 0, read 1, write 0, timeout 3
  Non-2xx or 3xx responses: 5
Requests/sec:    169.80
Transfer/sec:      8.38MB
"""


def test_help_runs_without_database_or_network() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_peer.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for option in ("--events", "--clients", "--shapes", "--phases", "--write-interval-ms"):
        assert option in done.stdout
    assert "pygeoapi" in done.stdout


def test_parse_wrk_reads_rate_latencies_and_errors() -> None:
    result = bench_peer.parse_wrk(WRK_REPORT)
    assert result.requests == 1698
    assert result.rps == 169.80
    assert result.p50_ms == pytest.approx(43.01)
    assert result.p90_ms == pytest.approx(0.6305)  # microseconds
    assert result.p99_ms == pytest.approx(1200.0)  # seconds
    assert result.non_2xx_3xx == 5
    assert result.socket_errors == 4
    assert not result.clean


def test_parse_wrk_clean_run_without_error_lines() -> None:
    report = "\n".join(
        line
        for line in WRK_REPORT.splitlines()
        if not line.lstrip().startswith(("Socket errors", "Non-2xx"))
    )
    result = bench_peer.parse_wrk(report)
    assert (result.non_2xx_3xx, result.socket_errors) == (0, 0)
    assert result.clean


def test_parse_wrk_refuses_what_is_not_a_report() -> None:
    with pytest.raises(ValueError, match="not a wrk report"):
        bench_peer.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_wrk_command_is_one_thread_with_latency() -> None:
    command = bench_peer.wrk_command("http://127.0.0.1:1/x", 8, 10)
    assert command[:5] == ["wrk", "-t1", "-c8", "-d10s", "--latency"]
    assert command[-1] == "http://127.0.0.1:1/x"


def test_pygeoapi_config_serves_ev_through_the_postgresql_provider() -> None:
    database = bench_peer.Database.from_url(
        "postgresql+psycopg://bench:s3cret@127.0.0.1:5433/wf_bench_abc"
    )
    config = bench_peer.pygeoapi_config(database, 18080)
    # Written as YAML for pygeoapi: the round trip keeps every value.
    assert yaml.safe_load(yaml.safe_dump(config)) == config

    server = config["server"]
    assert server["bind"] == {"host": "127.0.0.1", "port": 18080}
    assert server["url"] == "http://127.0.0.1:18080"
    # pygeoapi clamps limit to max_items (10 by default): the pages must be as large as ours.
    assert server["limits"]["max_items"] >= bench_peer.PAGE_LIMIT
    assert server["pretty_print"] is False
    assert config["logging"]["level"] == "ERROR"
    # What pygeoapi's schema requires and its OpenAPI generator reads.
    identification = config["metadata"]["identification"]
    assert {"title", "description", "keywords", "url", "terms_of_service"} <= set(identification)
    assert {"name", "url"} <= set(config["metadata"]["license"])
    assert {"url", "attribution"} <= set(server["map"])

    (provider,) = config["resources"]["events"]["providers"]
    assert provider["name"] == "PostgreSQL"
    assert provider["type"] == "feature"
    assert (provider["table"], provider["id_field"]) == ("ev", "id")
    assert (provider["geom_field"], provider["time_field"]) == ("geom", "event_date")
    assert provider["data"] == {
        "host": "127.0.0.1",
        "port": 5433,
        "dbname": "wf_bench_abc",
        "user": "bench",
        "password": "s3cret",
        "search_path": ["public"],
    }
    # An open temporal extent: pygeoapi rejects a datetime outside a configured one.
    assert config["resources"]["events"]["extents"]["temporal"] == {"begin": None, "end": None}


def test_database_defaults_for_a_bare_url() -> None:
    database = bench_peer.Database.from_url("postgresql+psycopg:///wf")
    assert database == bench_peer.Database("127.0.0.1", 5432, "wf", "postgres", "")


def test_shape_queries_cover_every_shape_with_the_same_filters() -> None:
    queries = bench_peer.shape_queries(dt.date(2026, 12, 7), 4242)
    assert list(queries) == list(bench_peer.SHAPES)
    assert queries["item"] == "/4242"
    parsed = {name: parse_qs(urlsplit(q).query) for name, q in queries.items() if name != "item"}
    assert all(p["limit"] == ["100"] for p in parsed.values())
    assert parsed["first_page"].keys() == {"limit"}
    assert parsed["bbox"]["bbox"] == ["124.5,38.5,126,40.5"]
    start, end = parsed["datetime"]["datetime"][0].split("/")
    # The last 30 UTC days, today included, whole days on both sides.
    assert start == "2026-11-08T00:00:00Z"
    assert end == "2026-12-07T23:59:59Z"
    assert parsed["bbox_datetime"]["bbox"] == parsed["bbox"]["bbox"]
    assert parsed["bbox_datetime"]["datetime"] == parsed["datetime"]["datetime"]


def _measurement(
    shape: str, clients: int, side: str, round_: int, rps: float
) -> bench_peer.Measurement:
    result = bench_peer.WrkResult(int(rps * 10), rps, 1.0, 2.0, 3.0, 0, 0)
    return bench_peer.Measurement("static", shape, clients, side, round_, result, 1.0)


def test_summarize_ratios_of_mean_rates_and_cells_below_target() -> None:
    runs = [
        _measurement("bbox", 8, "ours", 1, 300.0),
        _measurement("bbox", 8, "theirs", 1, 50.0),
        _measurement("bbox", 8, "ours", 2, 100.0),
        _measurement("bbox", 8, "theirs", 2, 50.0),
        _measurement("item", 8, "ours", 1, 120.0),
        _measurement("item", 8, "theirs", 1, 100.0),
        _measurement("item", 1, "ours", 1, 50.0),
        _measurement("item", 1, "theirs", 1, 100.0),
    ]
    summary = bench_peer.summarize(runs)
    assert summary["ratios"]["static"]["bbox"] == {"8": 4.0}  # (300 + 100) / 2 over 50
    assert summary["ratios"]["static"]["item"] == {"8": 1.2, "1": 0.5}
    # Only the target client count decides; 1 client's 0.5 is reported, not judged.
    assert summary["below_target"] == ["static/item"]
    assert summary["target_met"] is False
    assert summary["target"] == {"ratio": 3.0, "clients": 8}


def test_summarize_a_side_that_served_nothing_has_no_ratio() -> None:
    runs = [_measurement("bbox", 8, "ours", 1, 100.0), _measurement("bbox", 8, "theirs", 1, 0.0)]
    summary = bench_peer.summarize(runs)
    assert summary["ratios"]["static"]["bbox"] == {"8": None}
    assert summary["below_target"] == ["static/bbox"]


def test_arguments_are_checked_before_anything_is_installed() -> None:
    with pytest.raises(SystemExit) as exit_info:
        bench_peer.parse_args(["--shapes", "first_page,everything"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit):
        bench_peer.parse_args(["--clients", "0"])
    args = bench_peer.parse_args(["--clients", "8", "--shapes", "bbox", "--phases", "ingest"])
    assert (args.client_counts, args.shape_names, args.phase_names) == ([8], ["bbox"], ["ingest"])


def test_peer_requirements_pin_pygeoapi_and_our_server_stack() -> None:
    requirements = bench_peer.peer_requirements()
    assert "pygeoapi==0.21.0" in requirements
    assert {"geoalchemy2", "psycopg2-binary"} <= set(requirements)
    pinned = {r.split("==")[0] for r in requirements if "==" in r}
    assert {"uvicorn", "starlette", "uvloop", "httptools"} <= pinned
