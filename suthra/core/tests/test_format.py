"""Numbers with units read the same in both languages (issue 19)."""

import pytest
from django.template import Context, Template
from django.utils import translation

from suthra.core.templatetags.suthra_format import distance_text


@pytest.mark.parametrize(
    ("metres", "text"),
    [(16.4, "16 m"), (999.4, "999 m"), (3156, "3.2 km"), (12_400, "12 km"), (None, "")],
)
def test_distances_are_humanised(metres, text):
    with translation.override("en"):
        assert distance_text(metres) == text


def test_urdu_distances_are_isolated_with_an_urdu_unit():
    with translation.override("ur"):
        html = Template("{% load suthra_format %}{{ d|distance }}").render(Context({"d": 16}))
    assert html == "<bdi>16 میٹر</bdi>"
