"""The folded filter's count: only the named filters with a value count (issue 19)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils import translation

from suthra.core.templatetags.suthra_lists import filter_summary, filters_set


class _Filters(forms.Form):
    status = forms.CharField(required=False)
    uc = forms.IntegerField(required=False)


def test_counts_named_parameters_with_a_value():
    params = QueryDict("status=0&uc=&q=%20&before=123&type=2")
    assert filters_set(params, "status", "uc", "q") == 1  # blank and spaces do not count
    assert filters_set(params, "status", "type") == 2
    assert filters_set(params, "before") == 1 and filters_set(params) == 0


def test_a_form_stands_for_its_fields_and_paging_does_not_count():
    params = QueryDict("status=1&uc=4&after=99")
    assert filters_set(params, _Filters()) == 2
    assert filters_set(params, _Filters(), "uc") == 2  # a name given twice counts once


def test_summary_text_in_english_and_urdu():
    params = QueryDict("status=1&uc=4")
    assert ">Filter (2)</summary>" in filter_summary(params, "status", "uc")
    assert ">Filter</summary>" in filter_summary(QueryDict(""), "status")
    with translation.override("ur"):
        assert ">فلٹر (2)</summary>" in filter_summary(params, "status", "uc")
        assert ">فلٹر</summary>" in filter_summary(QueryDict(""), "status")
