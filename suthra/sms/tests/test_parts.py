"""Part counting: GSM-7 160/153 with extension characters counting two (never split),
UCS-2 70/67 for Urdu; the editor's JavaScript counts the same as the server."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from suthra.sms.parts import GSM7, UCS2, count_parts

URDU = "ب"  # one Urdu letter


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", GSM7, 0, 0),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("{" * 80, GSM7, 160, 1),
        ("a" * 159 + "€", GSM7, 161, 2),
        # 152 septets then an escape pair: the pair does not fit part 1, goes to part 2 whole.
        ("a" * 152 + "[" + "a" * 152, GSM7, 306, 3),
        ("a" * 153 + "]" + "a" * 151, GSM7, 306, 2),
        (URDU * 70, UCS2, 70, 1),
        (URDU * 71, UCS2, 71, 2),
        (URDU * 134, UCS2, 134, 2),
        (URDU * 135, UCS2, 135, 3),
        # One Urdu letter in an English text makes the whole message UCS-2.
        ("a" * 69 + URDU, UCS2, 70, 1),
        ("a" * 100 + URDU, UCS2, 101, 2),
        # Outside the BMP: two UTF-16 units, never split.
        ("😀" * 35, UCS2, 70, 1),
        ("a" * 66 + "😀" + "a" * 10, UCS2, 78, 2),
        ("Rs 1,500 @ £ é ñ ü à Ä", GSM7, 22, 1),
    ],
)
def test_count_parts(text, encoding, units, parts):
    result = count_parts(text)
    assert (result.encoding, result.units, result.parts) == (encoding, units, parts)


def test_urdu_template_sample_is_two_parts():
    text = (
        "محترم محمد اسلم، آپ کے بل PSID 10012025110012345 کی رقم Rs 1,500 کی آخری تاریخ "
        "20/11/2025 ہے۔"
    )
    assert count_parts(text).unicode
    assert count_parts(text).parts == 2


JS = Path(__file__).resolve().parents[3] / "static" / "js" / "sms_parts.js"
SAMPLES = [
    "",
    "a" * 160,
    "a" * 161,
    "a" * 152 + "[" + "a" * 152,
    "{" * 81,
    URDU * 70,
    URDU * 135,
    "a" * 66 + "😀" + "a" * 10,
    "Dear Aslam, Rs 1,500 due 20/11/2025 ~ {link} | ok",
    "محترم {name}، آپ کا بل Rs {amount} ہے۔",
]


@pytest.mark.skipif(not shutil.which("node"), reason="node not installed")
def test_the_editor_script_counts_like_the_server():
    script = (
        "global.window = {}; global.document = {readyState: 'complete', "
        "querySelector: () => null, getElementById: () => null};\n"
        + JS.read_text(encoding="utf-8")
        + "\nconst samples = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(samples.map(s => window.suthraSmsParts(s))));"
    )
    out = subprocess.run(
        ["node", "-e", script, json.dumps(SAMPLES)], capture_output=True, text=True, check=True
    )
    got = json.loads(out.stdout)
    for text, js in zip(SAMPLES, got, strict=True):
        py = count_parts(text)
        assert (js["encoding"], js["units"], js["parts"]) == (py.encoding, py.units, py.parts), text
