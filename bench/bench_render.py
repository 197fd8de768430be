"""`make bench`: the Markdown section of docs/PERFORMANCE.md from a run's results."""

from __future__ import annotations

from typing import Any

from bench.bench_setup import BUDGET_MB, DOC, END, START


def ratio(ours: float, theirs: float) -> str:
    x = theirs / ours if ours else 0.0
    return f"{x:.1f}×" if x < 10 else f"{x:,.0f}×"


def mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def ms(row: dict[str, Any], key: str) -> str:
    return f"{row[key]:,.0f}" if key in row else "—"


def shown_command(command: str) -> str:
    """The command as a reader would type it (without the flags that only steer the output)."""
    for flag in (" --no-write", "--no-write", " --render-only"):
        command = command.replace(flag, "")
    return command.replace(' BENCH_ARGS=""', "")


def render(results: dict[str, Any]) -> str:
    m, gen, sizes = results["machine"], results["generate"], results["sizes"]
    out = [
        START,
        f"## Latest run — {results['date']}",
        "",
        f"- Command: `{shown_command(results['command'])}`",
        f"- Machine: {m['cpus']} CPUs ({m['cpu']}), {m['ram_mb']:,} MB RAM, "
        f"PostgreSQL {m['postgres']} (shared_buffers {m['shared_buffers']}), Python {m['python']}; "
        f"load average at the end {m['load'][0]} (the machine is shared)",
        f"- Data: {sizes['units']:,} units, {sizes['bills']:,} bills "
        f"({results['args']['months']} months)",
        f"- Total benchmark time: {results['seconds'] / 60:.1f} min",
        "",
        "### Generation",
        "",
    ]
    if gen.get("path") == "realistic":
        built = gen["built"]
        how = "reused (timing of the run that built it)" if gen["reused"] else "this run"
        out.append(
            f"Built the way data arrives (`bench/realistic.py`, {how}): a legacy export of "
            f"{built['units']:,} units and {built['legacy_months']} months through "
            "`import_legacy_units` / `import_legacy_bills` (month by month), then "
            f"{built['months'] - built['legacy_months']} months of e-Pay bill files (random "
            "17-digit PSIDs, every 4th month re-issued) and payment files through preview + "
            f"commit: **{built['seconds'] / 60:.1f} min**. Size after each month:"
        )
        out += ["", "| month | DB MB | bill heap MB | bill indexes MB |", "|---|---:|---:|---:|"]
        for e in built["months_log"]:
            z = e["sizes"]
            out.append(
                f"| {e['month']} | {z['database'] / 2**20:,.0f} | {z['bill_heap'] / 2**20:,.0f}"
                f" | {z['bill_indexes'] / 2**20:,.0f} |"
            )
    elif gen.get("seconds"):
        timings = ", ".join(f"{k} {v:.0f} s" for k, v in (gen.get("timings") or {}).items())
        how = "reused (timing of the run that generated it)" if gen["reused"] else "this run"
        out.append(
            f"`generate_data --units {results['args']['units']} --months "
            f"{results['args']['months']}`: **{gen['seconds'] / 60:.1f} min** ({how}): {timings}."
        )
    out += [
        "",
        "### Pages (server time, in-process test Client, DEBUG off)",
        "",
        *(
            [
                f"Measured again on {results['pages_again']['date']} with load average "
                f"{results['pages_again']['load']} (`{results['pages_again']['command']}`).",
                "",
            ]
            if results.get("pages_again")
            else []
        ),
        "| page | URL name | p50 ms | p95 ms | × health p50 | queries | KB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in results["pages"]:
        if "skipped" in row:
            out.append(
                f"| {row['label']} | `{row['name']}` | — | — | — | — | skipped: {row['skipped']} |"
            )
        else:
            out.append(
                f"| {row['label']} | `{row['name']}` | {ms(row, 'p50')} | {ms(row, 'p95')} | "
                f"{row.get('vs_health', 0):,.1f} | {row['queries']} | {row['bytes'] / 1024:,.0f} |"
            )
    admin, pandas = results["admin"], results["pandas"]
    deep_keyset = next((r for r in results["pages"] if "90 %" in r["label"] and "p50" in r), None)
    out += ["", "### Side by side: what a user would otherwise use", ""]
    out += ["| way | p50 ms | p95 ms | vs. ours |", "|---|---:|---:|---:|"]
    for key, label in (
        ("first", "Django admin changelist, first page (COUNT + page)"),
        ("deep", f"Django admin changelist, page {admin.get('page', 0):,} (COUNT + OFFSET)"),
        ("sql", "…the admin's two SQL statements alone (no Django)"),
    ):
        row = admin.get(key, {})
        if "p50" in row:
            times = ratio(deep_keyset["p50"], row["p50"]) if deep_keyset else "—"
            out.append(f"| {label} | {ms(row, 'p50')} | {ms(row, 'p95')} | {times} |")
        else:
            out.append(f"| {label} | — | — | {row.get('skipped', 'not run')} |")
    if deep_keyset:
        out.append(
            f"| Ours: bill query at 90 % depth (keyset) | {ms(deep_keyset, 'p50')} | "
            f"{ms(deep_keyset, 'p95')} | 1× |"
        )
    if "seconds" in pandas:
        out.append(
            f"| Old app: pandas `read_sql` of the whole bills table — {pandas['rows']:,} rows, "
            f"peak {pandas['peak_mb']:,.0f} MB RSS (frame {pandas['frame_mb']:,.0f} MB) | "
            f"{pandas['seconds'] * 1000:,.0f} | — | "
            + (ratio(deep_keyset["p50"], pandas["seconds"] * 1000) if deep_keyset else "—")
            + " |"
        )
    else:
        out.append(f"| Old app: pandas `select *` | — | — | {pandas.get('skipped')} |")
    imports, export = results["imports"], results["export"]
    out += ["", "### Imports and export (a full month, one row per unit)", ""]
    out += ["| operation | rows | time | peak RSS | result |", "|---|---:|---:|---:|---|"]
    if "rows" in imports:
        for key, label in (("bills", "Bill import"), ("payments", "Payment reconciliation")):
            row = imports.get(key, {})
            if "commit_seconds" in row:
                counts = ", ".join(f"{k} {v:,}" for k, v in row["counts"].items() if v)
                out.append(
                    f"| {label}: preview + commit | {imports['rows']:,} | "
                    f"{row['preview_seconds']:.0f} s + {row['commit_seconds']:.0f} s | "
                    f"{imports['peak_mb']:,.0f} MB | {row['status']}: {counts} |"
                )
            else:
                out.append(f"| {label} | — | — | — | {row.get('skipped', 'not run')} |")
        archive = imports.get("archive", {})
        if "seconds" in archive:
            freed, kept = archive.get("bills_freed_bytes", 0), archive.get("kept_bytes", 0)
            out.append(
                f"| `archive_bills` of the oldest month ({archive['month'][:7]}) | "
                f"{archive['bills'] or 0:,} | {archive['seconds']:.0f} s | — | frees "
                f"{mb(freed)} of bills (after VACUUM FULL), keeps {mb(kept)} of totals: "
                f"net {mb(freed - kept)} ({(freed - kept) / max(freed, 1):.1%}); file "
                f"{mb(archive.get('file_bytes', 0))} |"
            )
    else:
        out.append(f"| Bill import / payments | — | — | — | {imports.get('skipped')} |")
    if "seconds" in export:
        out.append(
            f"| CSV export of the newest month (`billing:bills_export`) | {export['rows']:,} | "
            f"{export['seconds']:.1f} s ({mb(export['bytes'])}) | {export['peak_mb']:,.0f} MB "
            f"(at start {export['start_mb']:,.0f} MB) | streamed |"
        )
    else:
        out.append(f"| CSV export | — | — | — | {export.get('skipped')} |")
    check = results.get("verify", {})
    out += ["", "### Ledger check (`manage.py verify_ledgers`, every unit and summary)", ""]
    if "seconds" in check:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in check["timings"].items())
        out.append(
            f"{check['bills']:,} bills: **{check['seconds']:.1f} s** (budget 60 s): {parts}; "
            f"{check['discrepancies']:,} discrepancies (load average {check.get('load', '?')})."
        )
    else:
        out.append(f"Not run: {check.get('skipped', 'not run')}.")
    over = sizes["database"] / 2**20 - BUDGET_MB
    out += [
        "",
        "### Database size (`pg_total_relation_size`)",
        "",
        f"Whole database: **{mb(sizes['database'])}** (an empty database is "
        f"{mb(sizes['empty_database'])}); budget {BUDGET_MB} MB → "
        + (f"**over by {over:,.0f} MB**." if over > 0 else f"{-over:,.0f} MB to spare.")
        + f" Per bill {sizes['bytes_per_bill']:,.0f} bytes (table + indexes); per unit "
        f"{sizes['bytes_per_unit']:,.0f} bytes; whole database per unit "
        f"{sizes['bytes_per_unit_all'] / 1024:,.1f} kB.",
        "",
        "| table | rows | table | indexes | total |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in sizes["tables"]:
        if t["total"] >= 256 * 1024:
            out.append(
                f"| {t['table']} | {t['rows']:,} | {mb(t['table_bytes'])} | "
                f"{mb(t['index_bytes'])} | {mb(t['total'])} |"
            )
    small = [t for t in sizes["tables"] if t["total"] < 256 * 1024]
    out.append(f"| {len(small)} other tables | | | | {mb(sum(t['total'] for t in small))} |")
    out += ["", "Indexes over 1 MB:", "", "| index | table | method | size |", "|---|---|---|---:|"]
    for i in sizes["indexes"]:
        out.append(f"| {i['index']} | {i['table']} | {i['method']} | {mb(i['bytes'])} |")
    out += ["", END]
    return "\n".join(out)


def write_doc(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Performance\n\n"
    if START in text and END in text:
        before = text[: text.index(START)]
        after = text[text.index(END) + len(END) :]
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text)
