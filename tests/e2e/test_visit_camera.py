"""The visit form's photo on a phone (issue 19): a labelled, translated camera button instead of
the browser's "Choose File / No file chosen", the chosen photo's thumbnail, and an outcome
legend that is not clipped in Urdu."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from suthra.testing import make_unit
from suthra.visits.models import ComplianceVisit
from suthra.visits.tests.images import jpeg_bytes
from tests.e2e.test_field_journey import UNIT_LAT, UNIT_LON, phone_with_gps, sign_in


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "language, take, again, ready",
    [
        ("en", "Take a photo", "Take the photo again", "Photo ready."),
        ("ur", "تصویر کھینچیں", "تصویر دوبارہ کھینچیں", "تصویر تیار ہے۔"),
    ],
)
def test_camera_button_shows_a_thumbnail_and_the_visit_keeps_the_photo(
    browser, live_server, world, tmp_path, screenshot, language, take, again, ready
):
    unit = make_unit(world.uc_a, lat=UNIT_LAT, lon=UNIT_LON)
    world.agent_a.language = language
    world.agent_a.save()
    photo = tmp_path / "shop.jpg"
    photo.write_bytes(jpeg_bytes(size=(1600, 1200)))
    context = phone_with_gps(browser, live_server)
    page = context.new_page()
    sign_in(page, world.agent_a)
    page.goto(f"/visits/new/{unit.pk}/")
    page.wait_for_load_state("networkidle")

    camera = page.locator("label.camera-button")
    expect(camera).to_be_visible()
    expect(camera).to_have_text(take)
    box = camera.bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 360
    # The browser's own control is out of sight; the camera is still the back one.
    file_input = page.locator("input[type=file][name=photo]")
    assert file_input.get_attribute("capture") == "environment"
    assert file_input.bounding_box()["width"] <= 1
    # The input is named by the button (screen readers, the required-field message).
    assert (
        page.evaluate("document.querySelector('input[name=photo]').labels[0].textContent").strip()
        == take
    )
    thumb = page.locator("#photo-preview")
    expect(thumb).to_be_hidden()

    # Tapping the button opens the phone's camera / file picker for this input.
    with page.expect_file_chooser() as chooser:
        camera.click()
    chooser.value.set_files(str(photo))
    expect(thumb).to_be_visible()
    tb = thumb.bounding_box()
    assert tb["width"] <= 100 and tb["height"] <= 80  # a thumbnail, not the whole photo
    assert page.evaluate("document.getElementById('photo-preview').naturalWidth") > 0
    expect(camera).to_have_text(again)
    expect(page.locator("#photo-state")).to_have_text(ready)

    # The outcome legend is whole: the fieldset's border stops short of its letters on both
    # sides (it ran into the last letter of نتیجہ) and the box holds the text's full height.
    legend = page.evaluate(
        """() => { const l = document.querySelector('.outcome legend');
        const r = document.createRange(); r.selectNodeContents(l);
        const t = r.getBoundingClientRect(), b = l.getBoundingClientRect();
        return { left: t.left - b.left, right: b.right - t.right,
                 top: t.top - b.top, bottom: b.bottom - t.bottom }; }"""
    )
    assert legend["left"] >= 3 and legend["right"] >= 3, legend
    assert legend["top"] >= -0.5 and legend["bottom"] >= -0.5, legend
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator(".outcome input[type=radio]").first.check()
    screenshot(page, f"field-visit-camera-{language}")
    page.locator("button[type=submit].js-submit-once").click()
    page.wait_for_url("**/visits/*/")
    visit = ComplianceVisit.objects.get()
    assert visit.photo_key
    context.close()
