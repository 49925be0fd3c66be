import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
SERVICES = ["b2a-server.service", "b2a-worker.service", "b2a-whatsapp.service"]


def test_systemd_units_verify_without_a_single_warning(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed (./setup.sh --test installs systemd)")
    b2a = Path(sys.executable).parent / "b2a"
    assert b2a.exists(), "the b2a console script is installed by ./setup.sh --test"
    for unit in UNITS:
        (tmp_path / unit.name).write_text(
            unit.read_text().replace("/opt/b2a/venv/bin/b2a", str(b2a))
        )
    result = subprocess.run(
        [analyze, "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stderr


def test_long_running_units_restart_and_are_hardened():
    for name in SERVICES:
        text = (DEPLOY / "systemd" / name).read_text()
        for directive in (
            "EnvironmentFile=/etc/b2a/b2a.env",
            "User=b2a",
            "Restart=on-failure",
            "TimeoutStopSec=45",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ReadWritePaths=/var/lib/b2a",
            "PrivateTmp=yes",
            "ProtectHome=yes",
        ):
            assert directive in text, f"{name} lacks {directive}"


def test_cleanup_runs_daily_from_a_timer():
    timer = (DEPLOY / "systemd" / "b2a-cleanup.timer").read_text()
    assert "OnCalendar=daily" in timer and "Persistent=true" in timer
    assert (
        "ExecStart=/opt/b2a/venv/bin/b2a cleanup"
        in (DEPLOY / "systemd" / "b2a-cleanup.service").read_text()
    )


def test_the_nginx_site_is_valid(tmp_path):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if not nginx:
        pytest.skip("nginx is not installed here; ./setup.sh --production installs it")
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; include {DEPLOY / 'nginx' / 'b2a.conf'}; }}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_nginx_site_streams_events_unbuffered():
    site = (DEPLOY / "nginx" / "b2a.conf").read_text()
    assert "proxy_buffering off" in site and "client_max_body_size" in site


def test_backup_runs_nightly_and_keeps_two_weeks():
    timer = (DEPLOY / "systemd" / "b2a-backup.timer").read_text()
    assert "OnCalendar=*-*-* 02:30:00" in timer and "Persistent=true" in timer
    service = (DEPLOY / "systemd" / "b2a-backup.service").read_text()
    assert "ExecStart=/opt/b2a/venv/bin/b2a backup --keep 14" in service
    assert "ReadWritePaths=/var/lib/b2a" in service and "UMask=0077" in service


def _declared_metric_names():
    """Every series name b2a exposes: the processes' metrics and the scrape-time gauges."""
    import re

    from b2a.lib import metrics

    names = set()
    for metric in vars(metrics.get()).values():
        base = metric._name
        if metric._type == "counter":
            names.add(f"{base}_total")
        else:
            names.update(f"{base}_{suffix}" for suffix in ("bucket", "count", "sum"))
    live = (DEPLOY.parent / "b2a" / "ops" / "metrics.py").read_text()
    names.update(re.findall(r'gauge\(\s*"(b2a_\w+)"', live))
    return names


def test_the_grafana_dashboard_charts_only_metrics_b2a_exposes():
    import json
    import re

    dashboard = json.loads((DEPLOY / "grafana" / "b2a.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\bb2a_\w+", expr)}
    declared = _declared_metric_names()
    assert len(exprs) >= 16 and used, "a panel per figure of docs/operations.md"
    assert used - declared == set()
    assert {"b2a_queue_jobs", "b2a_sends_total", "b2a_assistant_turns_total"} <= used


def test_the_dashboard_takes_the_max_of_live_gauges_across_hosts():
    """Every host's ``/metrics`` reports the same live gauges: a sum would count them per host."""
    import json
    import re

    live = (DEPLOY.parent / "b2a" / "ops" / "metrics.py").read_text()
    gauges = set(re.findall(r'gauge\(\s*"(b2a_\w+)"', live))
    dashboard = json.loads((DEPLOY / "grafana" / "b2a.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    charted = [(e, n) for e in exprs for n in gauges & set(re.findall(r"\bb2a_\w+", e))]
    assert len(charted) >= 8
    for expr, name in charted:
        assert re.search(rf"\b(max|min)(\s+by\s*\([^)]*\))?\s*\(\s*{name}\b", expr), expr
