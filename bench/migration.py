"""`make bench` (the migration section): the switch-over at full scale, written into
docs/PERFORMANCE.md.

    .venv/bin/python bench/migration.py                      # 300 k units × 12 months
    .venv/bin/python bench/migration.py --units 30000        # a quick run
    .venv/bin/python bench/migration.py --from-database      # also the --from-database path

Generates the old system's CSV exports with ``suthra.migration.export`` (kept in the temp
directory and reused), creates a fresh, migrated target database ($BENCH_MIGRATION_URL, default
postgres://postgres@127.0.0.1:5432/suthra_legacy_bench), and times ``manage.py import_legacy``
under ``/usr/bin/time -v`` (wall time and peak RSS of the whole process), then runs it a second
time (everything already imported: nothing changes). With --from-database the exports are also
loaded into a legacy-shaped PostgreSQL database (``suthra.migration.legacy_db``) and imported
from there into a second fresh target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/suthra_legacy_bench"
DOC = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- bench-migration:start -->", "<!-- bench-migration:end -->"
PY = sys.executable


def with_db(url: str, name: str) -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, f"/{name}", p.query, ""))


def recreate(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_db(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def env_for(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "MEDIA_ROOT": str(Path(tempfile.gettempdir()) / "suthra-legacy-bench-media"),
        }
    )
    for key, value in {
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }.items():
        env.setdefault(key, value)
    return env


def export_dir(units: int, months: int) -> Path:
    from suthra.migration.export import write_export

    directory = Path(tempfile.gettempdir()) / f"suthra_legacy_export_{units}x{months}"
    marker = directory / ".complete"
    if not marker.exists():
        started = time.monotonic()
        write_export(directory, units=units, months=months)
        marker.write_text(f"{time.monotonic() - started:.0f} s\n")
    return directory


def _backend_cpu(url: str, seen: dict[int, float], stop: threading.Event) -> None:
    """Poll the CPU seconds of the PostgreSQL backends serving ``url``'s database (same host):
    wall time on a busy machine says little, CPU time says what a quiet one would take."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    tick = os.sysconf("SC_CLK_TCK")
    with psycopg.connect(with_db(url, "postgres"), autocommit=True) as conn:
        while not stop.is_set():
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]
            ).fetchall()
            for (pid,) in rows:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                seen[pid] = (int(fields[11]) + int(fields[12])) / tick
            stop.wait(0.5)


def timed(args: list[str], url: str) -> dict[str, Any]:
    """Run ``manage.py …`` under /usr/bin/time -v: wall seconds, peak RSS (MB), CPU seconds of
    the command and of its database backend, its output."""
    command = ["/usr/bin/time", "-v", PY, "manage.py", *args]
    seen: dict[int, float] = {}
    stop = threading.Event()
    poller = threading.Thread(target=_backend_cpu, args=(url, seen, stop), daemon=True)
    poller.start()
    done = subprocess.run(  # noqa: S603 - our own command line
        command, cwd=ROOT, env=env_for(url), capture_output=True, text=True, check=False
    )
    stop.set()
    poller.join(timeout=5)
    user = re.search(r"User time \(seconds\): ([\d.]+)", done.stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", done.stderr)
    cpu = (float(user.group(1)) if user else 0.0) + (float(system.group(1)) if system else 0.0)
    load = os.getloadavg()[0]
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    seconds = 0.0
    if wall:
        hours, minutes, secs = wall.groups()
        seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    return {
        "seconds": seconds,
        "rss_mb": int(rss.group(1)) / 1024 if rss else 0.0,
        "rc": done.returncode,
        "cpu": cpu,
        "db_cpu": sum(seen.values()),
        "load": load,
        "out": done.stdout,
        "err": done.stderr[-2000:],
    }


def migrate(url: str) -> None:
    subprocess.run(  # noqa: S603
        [PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env_for(url), check=True
    )


def tables_of(out: str) -> list[str]:
    return [line for line in out.splitlines() if re.match(r"^[a-z_]+: [\d,]+ read", line)]


def render(results: dict[str, dict[str, Any]], units: int, months: int) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### Switch-over from the old system (`manage.py import_legacy`) — {now}",
        "",
        f"{units:,} units × {months} months ({units * months:,} bills), CSV exports from "
        "`suthra.migration.export`, into a fresh migrated PostgreSQL database, "
        f"{os.cpu_count()} cores. Command: `.venv/bin/python bench/migration.py --units {units}"
        f" --months {months}` (part of `make bench`). Time and peak memory of the whole "
        "process from `/usr/bin/time -v`.",
        "",
        "| run | wall time | peak RSS | CPU: command | CPU: PostgreSQL | load at the end | exit |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {float(r['seconds']):.0f} s | {float(r['rss_mb']):.0f} MB"
            f" | {float(r['cpu']):.0f} s | {float(r['db_cpu']):.0f} s | {float(r['load']):.1f}"
            f" | {r['rc']} |"
        )
    first = next(iter(results.values()))
    lines += ["", "Per table (first run):", "", "```"]
    lines += tables_of(str(first["out"]))
    lines += ["```"]
    return "\n".join(lines)


def write_doc(section: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    block = f"{START}\n{section}\n{END}"
    if START in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=300_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--from-database", action="store_true")
    parser.add_argument("--no-doc", action="store_true", help="print only")
    args = parser.parse_args()
    url = os.environ.get("BENCH_MIGRATION_URL", DEFAULT_URL)
    directory = export_dir(args.units, args.months)
    results: dict[str, dict[str, Any]] = {}
    recreate(url)
    migrate(url)
    flags = ["--no-progress", "--accept-rejects"]
    results["from files"] = timed(["import_legacy", str(directory), *flags], url)
    results["again (nothing to do)"] = timed(["import_legacy", str(directory), *flags], url)
    if args.from_database:
        from suthra.migration.legacy_db import build_database

        source = with_db(url, urlsplit(url).path.lstrip("/") + "_src")
        recreate(source)
        build_database(source, directory)
        recreate(url)
        migrate(url)
        results["from the database"] = timed(
            ["import_legacy", "--from-database", source, *flags], url
        )
    for name, r in results.items():
        print(
            f"{name}: {float(r['seconds']):.1f} s, {float(r['rss_mb']):.0f} MB, CPU"
            f" {float(r['cpu']):.0f} s + {float(r['db_cpu']):.0f} s (PostgreSQL), exit {r['rc']}"
        )
        if r["rc"]:
            print(r["out"][-3000:], r["err"], sep="\n")
    section = render(results, args.units, args.months)
    print(section)
    if not args.no_doc:
        write_doc(section)


if __name__ == "__main__":
    main()
