"""`make loadtest`: 50 simulated staff against gunicorn + PostgreSQL, on loopback, bounded.

    make loadtest                                   # 50 users, 2 minutes, then a 30 s ceiling run
    make loadtest LOADTEST_ARGS="--users 20 --time 30s"

Copies the benchmark database ($BENCH_DATABASE_URL, filled by `make bench`) to a scratch
database (CREATE DATABASE … TEMPLATE, dropped afterwards) so the visits and the import it writes
never change the benchmark data; collects static files; starts the background worker and
gunicorn (production settings, DEBUG off) on 127.0.0.1; starts a full month's bill import in
the background as a manager would; runs locust headless (bench/locustfile.py); samples the
memory of every app process; then a short run with no think time for the ceiling (requests/s).
Writes the results into docs/PERFORMANCE.md between the loadtest markers.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.run import DEFAULT_URL, DOC, _admin, _with_db, db_name  # noqa: E402

BIN = Path(sys.executable).parent
WORKER_NICE = 10
START, END = "<!-- loadtest:start -->", "<!-- loadtest:end -->"


def server_env(url: str, static: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings",  # production settings, manifest static
            "DEBUG": "false",
            "SECRET_KEY": "loadtest-only-secret-key-not-for-production-0123456789",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "OTP_REQUIRED_FOR_ADMINS": "false",
            "STATIC_ROOT": str(static),
            "MEDIA_ROOT": str(Path(tempfile.gettempdir()) / "suthra-loadtest-media"),
            "LOG_LEVEL": "WARNING",
            # 50 people log in from one address within seconds: lift the per-IP limits.
            "LOGIN_RATE_PER_IP": "100000",
            "LOGIN_RATE_PER_USERNAME": "100000",
            "IMPORT_MAX_BYTES": str(512 * 1024 * 1024),
            # As bin/serve: glibc gives each thread its own malloc arena otherwise, and four
            # threads per worker then hold several half-empty heaps (docs/DEPLOY.md).
            "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),
        }
    )
    return env


def rss_mb(pids: list[int], each: dict[int, float] | None = None) -> float:
    """Resident memory of the processes and all their children (gunicorn workers); ``each``
    receives every process's own figure."""
    seen: set[int] = set()
    todo = list(pids)
    total = 0
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        if each is not None:
                            each[pid] = int(line.split()[1]) / 1024
            with open(f"/proc/{pid}/task/{pid}/children") as children:
                todo += [int(c) for c in children.read().split()]
        except OSError:
            continue
    return total / 1024


class Sampler(threading.Thread):
    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = 0.0
        self.last = 0.0
        self.each: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            each: dict[int, float] = {}
            self.last = rss_mb(self.pids, each)
            self.each = each
            self.peak = max(self.peak, self.last)
            time.sleep(0.5)


def wait_healthy(base: str, seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/health/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not become healthy")


def lookups(env: dict[str, str]) -> dict[str, str]:
    """Demo users, the agent's UCs and the supervisor's city, read through Django."""
    code = (
        "import django;django.setup();"
        "from suthra.demo.users import ensure_demo_users;from suthra.accounts import scope;"
        "u={s.username:s for s in ensure_demo_users()};"
        "ids=scope.visible_ucs(u['agent']).values_list('id',flat=True);"
        "print(','.join(str(i) for i in ids));"
        "print(scope.visible_cities(u['supervisor']).values_list('id',flat=True).first() or 1);"
        # A login re-hashes an outdated password hash (Django's default Argon2, 100 MB) once;
        # do it here so the run measures the steady state, not the first day after a deploy.
        "from suthra.demo.users import DEMO_PASSWORD;"
        "[s.check_password(DEMO_PASSWORD) for s in u.values()]"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {"LOAD_AGENT_UCS": out[-2], "LOAD_CITY": out[-1]}


def start_import(env: dict[str, str]) -> subprocess.Popen[str]:
    """A manager's full-month bill import, preview and commit, while the users work."""
    code = (
        "import sys;sys.argv=['x'];import bench.run as r;r.configure(r.os.environ['DATABASE_URL']);"
        "import json;url=r.os.environ['DATABASE_URL'];"
        "print(json.dumps(r.phase_imports(url,archive=False),default=str))"
    )
    # At the background worker's priority in production (Nice=10, docs/DEPLOY.md, bin/serve):
    # the web requests get the CPU first.
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env={**env, "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        cwd=ROOT,
        preexec_fn=lambda: os.nice(WORKER_NICE),  # noqa: PLW1509 - no threads started yet
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def locust(
    base: str, users: int, run_time: str, prefix: Path, env: dict[str, str], rate: float
) -> dict:
    cmd = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(rate),
        "--run-time",
        run_time,
        "--stop-timeout",
        "10",
        "--host",
        base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--csv-full-history",
        "--loglevel",
        "WARNING",
    ]
    subprocess.run(cmd, env=env, cwd=ROOT, check=False)
    keep = ROOT / "bench" / "results"  # not in git: the per-second history, for reading
    keep.mkdir(exist_ok=True)
    history = Path(f"{prefix}_stats_history.csv")
    if history.exists():
        shutil.copy(history, keep / f"loadtest-{prefix.name}-history.csv")
    rows = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = row
    return rows


def summary(rows: dict[str, dict[str, str]]) -> dict[str, Any]:
    total = rows.get("Aggregated", {})
    return {
        "requests": int(total.get("Request Count", 0) or 0),
        "failures": int(total.get("Failure Count", 0) or 0),
        "p50": float(total.get("50%", 0) or 0),
        "p95": float(total.get("95%", 0) or 0),
        "rps": float(total.get("Requests/s", 0) or 0),
    }


def import_summary(line: str) -> str:
    try:
        data = json.loads(line)
        parts = []
        for key in ("bills", "payments"):
            row = data.get(key, {})
            if "commit_seconds" in row:
                parts.append(
                    f"{key} {data['rows']:,} rows in "
                    f"{row['preview_seconds'] + row['commit_seconds']:.0f} s ({row['status']})"
                )
        return "; ".join(parts) or line[:200]
    except (ValueError, KeyError, TypeError):
        return line[:200]


def think_model() -> str:
    """THINK of bench/locustfile.py, read without importing locust (it patches the process)."""
    import ast

    tree = ast.parse((ROOT / "bench" / "locustfile.py").read_text())
    node = next(
        n.value
        for n in tree.body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "THINK"
    )
    scale = float(os.environ.get("LOAD_THINK_SCALE", "1"))
    return ", ".join(
        f"{role}s {low * scale:g}–{high * scale:g} s"
        for role, (low, high) in ast.literal_eval(node).items()
    )


def render(results: dict[str, Any]) -> str:
    main, ceiling = results["main"], results.get("ceiling", {})
    lines = [
        START,
        f"## Load test — {results['date']}",
        "",
        f"- Command: `{results['command']}`",
        f"- Servers: gunicorn {results['workers']} workers × {results['threads']} threads + "
        "one db_worker, DEBUG off, PostgreSQL on the same machine, copy of the bench database",
        f"- {results['users']} users started {results.get('spawn_rate', 2)}/s (agents 6 : "
        f"supervisors 2 : managers 2; think time {results.get('think', '2–8 s')}) "
        f"for {results['time']}; a full-month bill import ran meanwhile: {results['import']}",
        "",
        "| | requests | failures | p50 ms | p95 ms | requests/s |",
        "|---|---:|---:|---:|---:|---:|",
        f"| {results['users']} users with think time | {main['requests']:,} | "
        f"{main['failures']} | {main['p50']:.0f} | {main['p95']:.0f} | {main['rps']:.1f} |",
    ]
    if ceiling:
        lines.append(
            f"| ceiling: {results['ceiling_users']} users, no think time | "
            f"{ceiling['requests']:,} | {ceiling['failures']} | {ceiling['p50']:.0f} | "
            f"{ceiling['p95']:.0f} | {ceiling['rps']:.1f} |"
        )
    lines += [
        "",
        f"Peak memory of all app processes (gunicorn master and workers, db_worker): "
        f"**{results['peak_mb']:,.0f} MB** peak, {results['end_mb']:,.0f} MB at the end "
        f"(goal ≤ 512 MB; each process at the end: {results.get('each_mb')} MB); "
        "the import (a worker's job, here its own process at the worker's "
        "priority) is not included"
        + (
            f": it peaked at {results['import_peak_mb']:,.0f} MB by itself."
            if results.get("import_peak_mb")
            else "."
        ),
        "",
        "| request | count | failures | p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in sorted(results["rows"].items()):
        if name == "Aggregated":
            continue
        lines.append(
            f"| {row['Type']} {name} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['50%'] or 0):.0f} | {float(row['95%'] or 0):.0f} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def write_doc(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Performance\n\n"
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--time", default="2m")
    parser.add_argument(
        "--spawn-rate", type=float, default=2, help="users started per second (logins spread)"
    )
    parser.add_argument("--ceiling-users", type=int, default=20)
    parser.add_argument("--ceiling-time", default="30s")
    # As bin/serve and docs/DEPLOY.md: 2 workers × 4 threads on 2 cores within 512 MB.
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not shutil.which(str(BIN / "locust")):
        raise SystemExit("locust is not installed: .venv/bin/pip install -e '.[bench]'")
    base = f"http://127.0.0.1:{args.port}"
    scratch = db_name(args.database_url) + "_load"
    url = _with_db(args.database_url, scratch)
    _admin(args.database_url, f'DROP DATABASE IF EXISTS "{scratch}"')
    _admin(
        args.database_url, f'CREATE DATABASE "{scratch}" TEMPLATE "{db_name(args.database_url)}"'
    )
    work = Path(tempfile.mkdtemp(prefix="suthra-loadtest-"))
    env = server_env(url, work / "static")
    processes: list[subprocess.Popen[Any]] = []
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "make loadtest"
        + (f' LOADTEST_ARGS="{" ".join(sys.argv[1:])}"' if sys.argv[1:] else ""),
        "users": args.users,
        "time": args.time,
        "workers": args.workers,
        "threads": args.threads,
        "ceiling_users": args.ceiling_users,
        "spawn_rate": args.spawn_rate,
        "think": think_model(),
    }
    try:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env,
            cwd=ROOT,
            check=True,
        )
        locust_env = {**env, **lookups(env)}
        processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--queue-name", "default"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                preexec_fn=lambda: os.nice(WORKER_NICE),  # noqa: PLW1509
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{args.port}",
                    "--workers",
                    str(args.workers),
                    "--threads",
                    str(args.threads),
                    "--timeout",
                    "60",
                    "--max-requests",
                    "2000",
                    "--max-requests-jitter",
                    "200",
                ],
                env=env,
                cwd=ROOT,
            )
        )
        wait_healthy(base)
        sampler = Sampler([p.pid for p in processes])
        sampler.start()
        importer = None if args.no_import else start_import(env)
        import_sampler = Sampler([importer.pid] if importer else [])
        import_sampler.start()
        results["rows"] = locust(
            base, args.users, args.time, work / "main", locust_env, args.spawn_rate
        )
        results["main"] = summary(results["rows"])
        if importer is not None:
            try:
                output, _ = importer.communicate(timeout=180)
                last = [line for line in output.splitlines() if line.startswith("{")]
                results["import"] = import_summary(last[-1]) if last else output[-300:]
            except subprocess.TimeoutExpired:
                importer.kill()
                results["import"] = "still running 3 minutes after the users stopped (killed)"
        else:
            results["import"] = "not run (--no-import)"
        if args.ceiling_users:
            ceiling = locust(
                base,
                args.ceiling_users,
                args.ceiling_time,
                work / "ceiling",
                {**locust_env, "LOCUST_NO_WAIT": "1", "LOCUST_MAX_TASKS": "100000"},
                args.ceiling_users,
            )
            results["ceiling"] = summary(ceiling)
        sampler.stop.set()
        import_sampler.stop.set()
        results["peak_mb"] = sampler.peak
        results["end_mb"] = sampler.last
        results["import_peak_mb"] = import_sampler.peak
        results["each_mb"] = sorted(round(v) for v in sampler.each.values())
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        _admin(args.database_url, f'DROP DATABASE IF EXISTS "{scratch}"')
        shutil.rmtree(work, ignore_errors=True)
    section = render(results)
    print(section)
    if not args.no_write:
        write_doc(section)
        print(f"written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
