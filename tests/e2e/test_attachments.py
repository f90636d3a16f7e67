"""Files on a work order in a real browser, in both languages: the hotline's agent attaches a
photo on the work order's page, and the dealer's page of it shows the photo's thumbnail."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import signed_in
from .test_portals import recorded_for_junda, world  # noqa: F401 (the fixture)


def a_photo() -> bytes:
    image = Image.new("RGB", (800, 600), (30, 90, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    body = io.BytesIO()
    image.save(body, "JPEG", exif=exif)
    return body.getvalue()


def loaded(image) -> bool:
    """The image arrived and was decoded (waits for it: being visible comes before)."""
    image.page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=15_000
    )
    return True


@pytest.mark.parametrize(
    ("locale", "heading", "attached"),
    [("zh-CN", "附件", "已上传 1 个附件。"), ("en-GB", "Attachments", "1 file attached.")],
)
def test_the_hotline_attaches_a_photo_and_the_dealer_sees_its_thumbnail(
    world,  # noqa: F811
    new_context,
    locale,
    heading,
    attached,
):
    number, code = recorded_for_junda(world)
    agent = signed_in(new_context, world["url"]["hotline"], "hq.agent", locale=locale)
    agent.goto(f"{world['url']['hotline']}/work-orders/{number}/")

    section = agent.locator("[data-testid=attachments]")
    expect(section.locator("h2")).to_have_text(heading)
    section.locator("input[type=file]").set_input_files(
        [{"name": "车损照片.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}]
    )
    section.locator("[data-testid=attach-form] button[type=submit]").click()
    expect(agent.locator("body")).to_contain_text(attached)
    expect(section.locator("[data-testid=attachment]")).to_contain_text("车损照片.jpg")
    thumbnail = section.locator("[data-testid=attachment-thumbnail]")
    expect(thumbnail).to_be_visible()
    assert loaded(thumbnail)

    dealer = signed_in(new_context, world["url"]["junda"], "junda.crm", locale=locale)
    dealer.goto(f"{world['url']['junda']}/work-orders/{code}/{number}/")
    theirs = dealer.locator("[data-testid=attachments]")
    expect(theirs.locator("h2")).to_have_text(heading)
    expect(theirs.locator("[data-testid=attachment]")).to_contain_text("车损照片.jpg")
    expect(theirs.locator("[data-testid=attachment-thumbnail]")).to_be_visible()
    assert loaded(theirs.locator("[data-testid=attachment-thumbnail]"))
