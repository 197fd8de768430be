import pytest

from suthra.core.phone import InvalidMobile, format_mobile, normalise_mobile, try_normalise_mobile


@pytest.mark.parametrize(
    "raw",
    [
        "03001234567",
        "0300-1234567",
        "0300 123 4567",
        "+92 300 1234567",
        "+923001234567",
        "92-300-1234567",
        "923001234567",
        "0092 300 1234567",
        "300 1234567",
        "(0300) 123-4567",
        "۰۳۰۰۱۲۳۴۵۶۷",
    ],
)
def test_every_field_spelling_normalises_to_one_form(raw):
    assert normalise_mobile(raw) == "03001234567"


@pytest.mark.parametrize(
    "raw", ["", "12345", "+44 300 1234567", "0300123456", "030012345678", "04001234567", "abc"]
)
def test_non_mobiles_are_rejected_with_a_message(raw):
    with pytest.raises(InvalidMobile):
        normalise_mobile(raw)
    assert try_normalise_mobile(raw) is None


def test_display_format():
    assert format_mobile("03001234567") == "0300-1234567"
    assert format_mobile("x") == "x"
