"""The keyset paginator (suthra/core/paging.py), exercised on units."""

from __future__ import annotations

import pytest
from django.core.exceptions import BadRequest
from django.test import RequestFactory

from suthra.core.paging import KeysetPaginator, count_hint, decode_cursor, paginate
from suthra.testing import make_unit
from suthra.units.models import SurveyUnit


def walk(qs, keys, size=25):
    """All rows page by page forward, then back again; returns (forward ids, backward ids)."""
    paginator = KeysetPaginator(qs, keys=keys, size=size)
    page = paginator.page(None)
    forward = [u.pk for u in page]
    pages = [page]
    while page.has_next:
        page = paginator.page(page.next_cursor)
        forward += [u.pk for u in page]
        pages.append(page)
    backward = []
    while page.has_prev:
        page = paginator.page(page.prev_cursor)
        backward = [u.pk for u in page] + backward
    return forward, backward, pages


@pytest.mark.django_db
@pytest.mark.parametrize(
    "keys", [["consumer_name"], ["-consumer_name"], ["category", "-consumer_name"]]
)
def test_pages_cover_every_row_once_in_order(world, keys):
    for i in range(61):
        make_unit(world.uc_a, consumer_name=f"Name {i % 7}", category=1 + i % 3)
    qs = SurveyUnit.objects.all()
    # The primary key is appended in the direction of the last key.
    tie = "-pk" if keys[-1].startswith("-") else "pk"
    expected = list(qs.order_by(*keys, tie).values_list("pk", flat=True))
    forward, backward, pages = walk(qs, keys)
    assert forward == expected
    assert len(pages) == 3
    assert pages[0].is_first and not pages[-1].has_next
    # Walking back from the last page ends on the first page's rows, and skips none.
    assert backward == expected[: len(backward)]
    assert set(backward) | {u.pk for u in pages[-1]} == set(expected)


@pytest.mark.django_db
def test_rows_added_while_paging_are_never_repeated_or_skipped(world):
    for i in range(50):
        make_unit(world.uc_a, consumer_name=f"B{i:03d}")
    qs = SurveyUnit.objects.all()
    paginator = KeysetPaginator(qs, keys=["consumer_name"], size=25)
    page1 = paginator.page(None)
    # New rows sort before and after the cursor while the user reads page 1.
    make_unit(world.uc_a, consumer_name="A-new")
    make_unit(world.uc_a, consumer_name="C-new")
    page2 = paginator.page(page1.next_cursor)
    page3 = paginator.page(page2.next_cursor) if page2.has_next else None
    seen = [u.consumer_name for u in page1] + [u.consumer_name for u in page2]
    if page3:
        seen += [u.consumer_name for u in page3]
    assert len(seen) == len(set(seen))
    assert [f"B{i:03d}" for i in range(50)] == [n for n in seen if n.startswith("B")]
    assert "C-new" in seen


@pytest.mark.django_db
def test_size_outside_limits_and_garbled_cursor_are_bad_requests(world):
    rf = RequestFactory()
    qs = SurveyUnit.objects.all()
    for bad in ("10", "501", "abc"):
        with pytest.raises(BadRequest):
            paginate(rf.get("/", {"size": bad}), qs, keys=["consumer_name"])
    for bad in ("!!!", "eyJ4IjoxfQ", "a" * 3000):
        with pytest.raises(BadRequest):
            paginate(rf.get("/", {"cursor": bad}), qs, keys=["consumer_name"])


@pytest.mark.django_db
def test_cursor_of_another_sort_restarts_and_urls_keep_filters(world):
    for i in range(30):
        make_unit(world.uc_a, consumer_name=f"N{i:02d}")
    rf = RequestFactory()
    qs = SurveyUnit.objects.all()
    page = paginate(rf.get("/", {"uc": "1", "size": "25"}), qs, keys=["consumer_name"])
    assert "uc=1" in page.next_url and "size=25" in page.next_url and "cursor=" in page.next_url
    cursor = page.next_cursor
    assert decode_cursor(["-pk"], cursor) is None
    other = paginate(rf.get("/", {"cursor": cursor}), qs, keys=["-survey_id"])
    assert other.is_first


@pytest.mark.django_db
def test_count_hint_exact_when_small(world, django_assert_num_queries):
    for _ in range(5):
        make_unit(world.uc_a)
    with django_assert_num_queries(1):
        hint = count_hint(SurveyUnit.objects.all(), exact_up_to=10)
    assert hint.exact and hint.value == 5 and str(hint) == "5"
    big = count_hint(SurveyUnit.objects.all(), exact_up_to=2, estimate=lambda: 4000)
    assert not big.exact and str(big) == "about 4,000"
