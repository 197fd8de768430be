"""The Urdu catalogue is complete and compiled: every message marked for translation in the
code and templates has an Urdu text, and the committed .mo matches the .po."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "ur" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: {"msgid", "msgid_plural", "msgstr": [..], "fuzzy", "ctx"}."""
    entries: list[dict] = []
    entry: dict = {}
    key = None

    def close() -> None:
        if entry.get("msgid") is not None:
            entries.append(dict(entry))

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            close()
            entry, key = {}, None
            continue
        if line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if match:
            key, text = match.group(1), ast.literal_eval(match.group(2))
            if key.startswith("msgstr"):
                entry.setdefault("msgstr", []).append(text)
                key = ("msgstr", len(entry["msgstr"]) - 1)
            else:
                entry[key] = text
        elif line.startswith('"') and key is not None:
            text = ast.literal_eval(line)
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] += text
            else:
                entry[key] += text
    return [e for e in entries if e["msgid"]]  # drop the header


def test_every_message_has_an_urdu_translation():
    entries = parse_po(PO)
    assert len(entries) > 100
    missing = [e["msgid"] for e in entries if not all(e.get("msgstr", [""]))]
    fuzzy = [e["msgid"] for e in entries if e.get("fuzzy")]
    assert not missing, f"{len(missing)} messages without Urdu: {missing[:40]}"
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy[:40]}"


def test_translations_keep_their_placeholders():
    wrong = []
    for e in parse_po(PO):
        wanted = set(PLACEHOLDER.findall(e["msgid"] + e.get("msgid_plural", "")))
        for text in e["msgstr"]:
            if set(PLACEHOLDER.findall(text)) - wanted or (
                not e.get("msgid_plural") and set(PLACEHOLDER.findall(text)) != wanted
            ):
                wrong.append(e["msgid"])
    assert not wrong, wrong


def test_compiled_catalogue_matches_the_po_file():
    with MO.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    stale = []
    for e in parse_po(PO):
        key = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if e.get("msgid_plural"):
            if catalog.get((key, 0)) != e["msgstr"][0]:
                stale.append(e["msgid"])
        elif catalog.get(key) != e["msgstr"][0]:
            stale.append(e["msgid"])
    assert not stale, (
        f"recompile (msgfmt -o django.mo django.po): .mo is older than .po for {stale[:20]}"
    )
