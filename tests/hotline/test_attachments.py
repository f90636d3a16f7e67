"""Files on a work order: accepted for what they are, stored apart per tenant, seen only by those
who may see the work order."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import translation
from django_tenants.utils import tenant_context
from PIL import Image

from config.actor import Actor
from hotline.events import EventKind
from hotline.models import Attachment, WorkOrderEvent
from hotline.services.attachments import attachment_remove, attachments_add, name_clean
from hotline.services.work_orders import work_order_create
from tenants.models import Role

from ..conftest import api_session, client_for, in_schema, parts_intake, person

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
MAKE = 0x010F


def photo(
    name: str = "dashboard.jpg", fmt: str = "JPEG", size: tuple[int, int] = (1200, 900)
) -> SimpleUploadedFile:
    """A photo as a phone takes it: with the camera and the place in its EXIF."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (23.0, 7.0, 30.0), 3: "E", 4: (113.0, 19.0, 12.0)}
    body = io.BytesIO()
    image.save(body, fmt, exif=exif)
    return SimpleUploadedFile(name, body.getvalue(), content_type="image/jpeg")


def pdf(name: str = "invoice.pdf", padding: int = 0) -> SimpleUploadedFile:
    content = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"%" * padding + b"\n%%EOF\n"
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def docx(name: str = "report.docx") -> SimpleUploadedFile:
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        package.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, body.getvalue(), content_type="application/octet-stream")


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def wo(parts_work_order):
    return parts_work_order


def test_a_photo_is_stored_without_its_metadata_with_a_thumbnail_and_an_event(media, wo, agent, hotline):
    [row] = attachments_add(work_order_id=wo.pk, actor=agent, files=[photo("行车记录 photo.jpeg")])

    assert (row.name, row.content_type, row.side) == ("行车记录 photo.jpg", "image/jpeg", "hotline")
    assert row.key.startswith(f"attachments/{hotline.schema_name}/{wo.pk}/")
    assert "photo" not in row.key
    stored = Image.open(media / row.key)
    assert stored.format == "JPEG"
    assert stored.size == (1200, 900)
    assert not stored.getexif()
    assert "exif" not in stored.info
    thumbnail = Image.open(media / row.thumbnail_key)
    assert thumbnail.format == "WEBP"
    assert max(thumbnail.size) == 320
    assert not thumbnail.getexif()
    assert "exif" not in thumbnail.info
    assert row.size == (media / row.key).stat().st_size
    event = WorkOrderEvent.objects.get(work_order=wo, kind=EventKind.ATTACHMENT_ADDED)
    assert event.data == {
        "attachment": row.pk,
        "name": "行车记录 photo.jpg",
        "content_type": "image/jpeg",
        "size": row.size,
        "side": "hotline",
    }


def test_a_png_and_a_webp_keep_their_format_and_lose_their_metadata(media, wo, agent):
    rows = attachments_add(
        work_order_id=wo.pk, actor=agent, files=[photo("a.png", "PNG"), photo("b.webp", "WEBP")]
    )

    assert [(r.name, r.content_type) for r in rows] == [("a.png", "image/png"), ("b.webp", "image/webp")]
    for row in rows:
        assert not Image.open(media / row.key).getexif()


def test_a_pdf_and_office_documents_are_accepted_by_their_content(media, wo, agent):
    rows = attachments_add(work_order_id=wo.pk, actor=agent, files=[pdf("invoice.PDF"), docx("维修报告.bin")])

    assert [(r.name, r.content_type, r.thumbnail_key) for r in rows] == [
        ("invoice.pdf", "application/pdf", ""),
        (
            "维修报告.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "",
        ),
    ]
    assert (media / rows[0].key).read_bytes().startswith(b"%PDF-1.4")


@pytest.mark.parametrize(
    ("upload", "says"),
    [
        (SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200), "photo.jpg is not a photo"),
        (SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>"), "photo.jpg is not"),
        (SimpleUploadedFile("cv.docx", b"PK\x03\x04" + b"\x00" * 100), "cv.docx is not"),
        (SimpleUploadedFile("empty.pdf", b""), "empty.pdf is empty."),
        (
            SimpleUploadedFile("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50),
            "could not be read as a photo",
        ),
    ],
)
def test_what_the_content_is_not_is_refused_whatever_its_name(media, wo, agent, upload, says):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        attachments_add(work_order_id=wo.pk, actor=agent, files=[pdf(), upload])

    assert says in refused.value.message_dict["file"][0]
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_zip_named_like_a_document_is_refused(media, wo, agent):
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as package:
        package.writestr("payload.exe", b"MZ")

    with translation.override("en"), pytest.raises(ValidationError, match=r"report\.docx is not"):
        attachments_add(
            work_order_id=wo.pk, actor=agent, files=[SimpleUploadedFile("report.docx", body.getvalue())]
        )


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(media, wo, agent, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        attachments_add(work_order_id=wo.pk, actor=agent, files=[pdf("big.pdf", padding=2000)])

    [message] = refused.value.message_dict["file"]
    assert message.replace("\xa0", " ") == "big.pdf is 2.0 KB; a file may be at most 1000 bytes."
    assert not Attachment.objects.exists()
    assert not WorkOrderEvent.objects.filter(kind=EventKind.ATTACHMENT_ADDED).exists()
    assert stored_files(media) == []


def test_a_work_order_holds_at_most_so_many_files_and_a_refusal_leaves_no_file(media, wo, agent, settings):
    settings.ATTACHMENT_MAX_PER_WORK_ORDER = 2
    attachments_add(work_order_id=wo.pk, actor=agent, files=[pdf()])
    before = stored_files(media)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        attachments_add(work_order_id=wo.pk, actor=agent, files=[pdf("a.pdf"), photo()])

    assert refused.value.message_dict == {"file": ["A work order may have at most 2 files; this one has 1."]}
    assert Attachment.objects.count() == 1
    assert stored_files(media) == before


def test_a_work_order_holds_at_most_so_many_bytes(media, wo, agent, settings):
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 150
    attachments_add(work_order_id=wo.pk, actor=agent, files=[pdf()])

    with translation.override("en"), pytest.raises(ValidationError, match="may come to at most 150"):
        attachments_add(work_order_id=wo.pk, actor=agent, files=[pdf(padding=100)])
    assert Attachment.objects.count() == 1


def test_the_refusal_is_in_the_persons_language(media, wo, agent):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        attachments_add(work_order_id=wo.pk, actor=agent, files=[SimpleUploadedFile("a.jpg", b"<html>")])

    assert "a.jpg" in refused.value.message_dict["file"][0]
    assert "不是" in refused.value.message_dict["file"][0]


def test_names_are_made_safe_for_display_and_download():
    assert name_clean("../../etc/passwd", ".pdf") == "passwd.pdf"
    assert name_clean('C:\\Users\\王\\报告"; filename=x.exe', ".docx") == "报告__ filename=x.docx"
    assert name_clean("\u202eexe.jpg", ".jpg") == "exe.jpg"
    assert name_clean("....", ".png") == "attachment.png"
    assert len(name_clean("长" * 300 + ".jpg", ".jpg")) == 104


def test_the_uploader_removes_their_file_a_supervisor_anyones_another_agent_none(
    media, wo, agent, supervisor, hotline, django_capture_on_commit_callbacks
):
    [mine, other] = attachments_add(work_order_id=wo.pk, actor=agent, files=[photo(), pdf()])
    colleague = Actor(user_id=109, name="赵敏", tenant_id=hotline.pk, role="hotline_agent")

    with pytest.raises(PermissionDenied):
        attachment_remove(work_order_id=wo.pk, attachment_id=mine.pk, actor=colleague)
    with django_capture_on_commit_callbacks(execute=True):
        attachment_remove(work_order_id=wo.pk, attachment_id=mine.pk, actor=agent)
        attachment_remove(work_order_id=wo.pk, attachment_id=other.pk, actor=supervisor)

    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    removed = WorkOrderEvent.objects.filter(kind=EventKind.ATTACHMENT_REMOVED).order_by("id")
    assert [(e.data["name"], e.actor_name) for e in removed] == [
        ("dashboard.jpg", "李娜"),
        ("invoice.pdf", "王强"),
    ]


def test_a_dealer_attaches_through_the_gateway_and_sees_the_hotlines_files_and_its_own(
    media, wo, agent, junda_gateway, dealer_actor, network, hotline
):
    with in_schema(hotline):
        attachments_add(work_order_id=wo.pk, actor=agent, files=[pdf("from-hotline.pdf")])

    [theirs] = junda_gateway.attach("HQ", wo.number, actor=dealer_actor, files=[photo("repair.jpg")])

    assert (theirs.side, theirs.dealer_id) == ("dealer", network["junda"].pk)
    assert theirs.key.startswith(f"attachments/{hotline.schema_name}/{wo.pk}/")
    view = junda_gateway.work_order("HQ", wo.number)
    assert [a.name for a in view.attachments] == ["from-hotline.pdf", "repair.jpg"]
    assert junda_gateway.attachment("HQ", wo.number, theirs.pk).name == "repair.jpg"


def test_another_dealer_and_another_manufacturers_dealer_get_404(
    media, wo, agent, network, foreign_dealer, junda_gateway, dealer_actor, hotline
):
    [theirs] = junda_gateway.attach("HQ", wo.number, actor=dealer_actor, files=[pdf()])
    pengcheng = network["pengcheng"]
    stranger = Actor(user_id=301, name="陈", tenant_id=pengcheng.pk, role="dealer_crm_manager")

    for tenant in (pengcheng, foreign_dealer):
        from dealers.gateway import DealerGateway

        with tenant_context(tenant):
            gateway = DealerGateway(tenant)
            with pytest.raises(Http404):
                gateway.attachment("HQ", wo.number, theirs.pk)
            with pytest.raises(Http404):
                gateway.attach("HQ", wo.number, actor=stranger, files=[pdf()])
            with pytest.raises(Http404):
                gateway.attachment_remove("HQ", wo.number, theirs.pk, actor=stranger)
    with in_schema(hotline):
        assert Attachment.objects.count() == 1


def test_a_dealer_never_removes_the_hotlines_file_and_a_dealer_manager_removes_its_peoples(
    media, wo, agent, junda_gateway, dealer_actor, network, hotline
):
    with in_schema(hotline):
        [hotlines] = attachments_add(work_order_id=wo.pk, actor=agent, files=[pdf()])
    [advisors] = junda_gateway.attach(
        "HQ",
        wo.number,
        actor=Actor(user_id=202, name="周", tenant_id=network["junda"].pk, role="service_advisor"),
        files=[pdf()],
    )

    with pytest.raises(PermissionDenied):
        junda_gateway.attachment_remove("HQ", wo.number, hotlines.pk, actor=dealer_actor)
    junda_gateway.attachment_remove("HQ", wo.number, advisors.pk, actor=dealer_actor)

    with in_schema(hotline):
        assert list(Attachment.objects.values_list("pk", flat=True)) == [hotlines.pk]


def test_a_file_of_another_work_order_is_not_this_ones(media, wo, agent, manufacturer, network):
    other = work_order_create(
        manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
    )
    [row] = attachments_add(work_order_id=other.pk, actor=agent, files=[pdf()])

    with pytest.raises(Attachment.DoesNotExist):
        attachment_remove(work_order_id=wo.pk, attachment_id=row.pk, actor=agent)


# --- the portals ---------------------------------------------------------------------------


@pytest.fixture
def agent_browser(hotline, hotline_agent):
    return client_for(hotline, hotline_agent)


def test_the_hotline_attaches_a_photo_on_the_page_and_it_is_served_as_what_it_is(
    media, wo, agent_browser, hotline
):
    page = f"/work-orders/{wo.number}/"

    answer = agent_browser.post(f"{page}attachments/", {"attach-file": [photo("车损.jpg"), pdf()]})

    assert answer.status_code == 302
    shown = agent_browser.get(page).content.decode()
    with in_schema(hotline):
        image, document = Attachment.objects.order_by("id")
    assert f'src="{page}attachments/{image.pk}/thumbnail/"' in shown
    assert "车损.jpg" in shown
    assert "invoice.pdf" in shown
    served = agent_browser.get(f"{page}attachments/{image.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline;")
    assert "filename*=utf-8''%E8%BD%A6%E6%8D%9F.jpg" in served["Content-Disposition"]
    assert served["Content-Security-Policy"].startswith("sandbox;")
    assert not Image.open(io.BytesIO(b"".join(served.streaming_content))).getexif()
    thumbnail = agent_browser.get(f"{page}attachments/{image.pk}/thumbnail/")
    assert thumbnail["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(b"".join(thumbnail.streaming_content))).format == "WEBP"
    assert agent_browser.get(f"{page}attachments/{document.pk}/thumbnail/").status_code == 404


def test_an_office_document_is_downloaded_never_shown(media, wo, agent_browser, hotline):
    agent_browser.post(f"/work-orders/{wo.number}/attachments/", {"attach-file": docx('报告"x.docx')})
    with in_schema(hotline):
        row = Attachment.objects.get()

    served = agent_browser.get(f"/work-orders/{wo.number}/attachments/{row.pk}/")

    assert served["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert served["Content-Disposition"].startswith("attachment;")
    assert row.name == "报告_x.docx"


def test_a_renamed_page_is_refused_on_the_field_and_nothing_is_kept(media, wo, agent_browser, hotline):
    fake = SimpleUploadedFile(
        "photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"
    )

    answer = agent_browser.post(
        f"/work-orders/{wo.number}/attachments/", {"attach-file": fake}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert answer.status_code == 400
    assert "photo.jpg is not a photo" in answer.content.decode()
    assert 'id="id_attach-file_error"' in answer.content.decode()
    with in_schema(hotline):
        assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_the_uploader_removes_a_file_on_the_page(media, wo, agent_browser, hotline):
    agent_browser.post(f"/work-orders/{wo.number}/attachments/", {"attach-file": pdf()})
    with in_schema(hotline):
        row = Attachment.objects.get()
    assert (
        'data-testid="attachment-remove"' in agent_browser.get(f"/work-orders/{wo.number}/").content.decode()
    )

    answer = agent_browser.post(f"/work-orders/{wo.number}/attachments/remove/", {"attachment": row.pk})

    assert answer.status_code == 302
    with in_schema(hotline):
        assert not Attachment.objects.exists()
    assert agent_browser.get(f"/work-orders/{wo.number}/attachments/{row.pk}/").status_code == 404


def test_the_dealer_sees_the_hotlines_photo_and_strangers_get_404(
    media, wo, agent_browser, network, hotline, other_manufacturer, foreign_dealer
):
    agent_browser.post(f"/work-orders/{wo.number}/attachments/", {"attach-file": photo()})
    with in_schema(hotline):
        row = Attachment.objects.get()
    junda = client_for(network["junda"], person("crm", network["junda"], Role.DEALER_CRM_MANAGER))
    page = f"/work-orders/HQ/{wo.number}/"

    assert f'src="{page}attachments/{row.pk}/thumbnail/"' in junda.get(page).content.decode()
    assert junda.get(f"{page}attachments/{row.pk}/")["Content-Type"] == "image/jpeg"
    strangers = [
        client_for(network["pengcheng"], person("pc", network["pengcheng"], Role.DEALER_CRM_MANAGER)),
        client_for(foreign_dealer, person("xs", foreign_dealer, Role.DEALER_CRM_MANAGER)),
    ]
    for stranger in strangers:
        assert stranger.get(f"{page}attachments/{row.pk}/").status_code == 404
        assert stranger.get(f"{page}attachments/{row.pk}/thumbnail/").status_code == 404
        assert stranger.post(f"{page}attachments/", {"attach-file": pdf()}).status_code == 404
    dongyue = client_for(
        other_manufacturer.hotline, person("dy", other_manufacturer.hotline, Role.HOTLINE_AGENT)
    )
    assert dongyue.get(f"/work-orders/{wo.number}/attachments/{row.pk}/").status_code == 404
    with in_schema(hotline):
        assert Attachment.objects.count() == 1


def test_the_dealer_attaches_on_its_page_and_the_hotline_sees_it(media, wo, agent_browser, network, hotline):
    junda = client_for(network["junda"], person("crm", network["junda"], Role.DEALER_CRM_MANAGER))

    answer = junda.post(f"/work-orders/HQ/{wo.number}/attachments/", {"attach-file": photo("修复后.jpg")})

    assert answer.status_code == 302
    with in_schema(hotline):
        row = Attachment.objects.get()
    assert (row.side, row.uploader_name) == ("dealer", "crm")
    shown = agent_browser.get(f"/work-orders/{wo.number}/").content.decode()
    assert "修复后.jpg" in shown
    assert agent_browser.get(f"/work-orders/{wo.number}/attachments/{row.pk}/").status_code == 200
    refused = junda.post(
        f"/work-orders/HQ/{wo.number}/attachments/", {"attach-file": SimpleUploadedFile("a.jpg", b"")}
    )
    assert refused.status_code == 400
    assert "a.jpg" in refused.content.decode()


# --- the API -------------------------------------------------------------------------------


def test_the_hotline_api_uploads_lists_and_downloads(media, wo, hotline, hotline_agent):
    api = api_session(hotline, hotline_agent)
    base = f"/api/v1/work-orders/{wo.number}/attachments/"

    made = api.post(base, {"file": photo("仪表盘.jpg")}, format="multipart")

    assert made.status_code == 201
    assert made["Location"] == f"{base}{made.data['id']}/"
    assert (made.data["name"], made.data["content_type"], made.data["thumbnail"]) == (
        "仪表盘.jpg",
        "image/jpeg",
        True,
    )
    listed = api.get(base)
    assert [a["name"] for a in listed.json()] == ["仪表盘.jpg"]
    served = api.get(made["Location"])
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert not Image.open(io.BytesIO(b"".join(served.streaming_content))).getexif()


def test_the_api_refuses_by_content_in_the_problem_format_and_keeps_nothing(
    media, wo, hotline, hotline_agent
):
    api = api_session(hotline, hotline_agent, HTTP_ACCEPT_LANGUAGE="en")
    fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 100)

    refused = api.post(f"/api/v1/work-orders/{wo.number}/attachments/", {"file": fake}, format="multipart")

    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert "invoice.pdf is not a photo" in refused.json()["errors"]["file"][0]
    with in_schema(hotline):
        assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_an_upload_over_the_limit_is_refused_before_it_is_read(media, wo, hotline, hotline_agent, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    api = api_session(hotline, hotline_agent)

    refused = api.post(
        f"/api/v1/work-orders/{wo.number}/attachments/", {"file": pdf(padding=200_000)}, format="multipart"
    )

    assert refused.status_code == 413
    assert stored_files(media) == []


def test_the_dealer_api_sees_its_files_and_another_dealer_gets_404(
    media, wo, network, hotline, hotline_agent
):
    api_session(hotline, hotline_agent).post(
        f"/api/v1/work-orders/{wo.number}/attachments/", {"file": pdf("hotline.pdf")}, format="multipart"
    )
    junda = api_session(network["junda"], person("crm", network["junda"], Role.DEALER_CRM_MANAGER))
    base = f"/api/v1/work-orders/HQ/{wo.number}/attachments/"

    made = junda.post(base, {"file": docx()}, format="multipart")

    assert made.status_code == 201
    assert [a["name"] for a in junda.get(base).json()] == ["hotline.pdf", "report.docx"]
    assert junda.get(made["Location"])["Content-Disposition"].startswith("attachment;")
    pengcheng = api_session(network["pengcheng"], person("pc", network["pengcheng"], Role.DEALER_CRM_MANAGER))
    assert pengcheng.get(base).status_code == 404
    assert pengcheng.get(made["Location"]).status_code == 404
    assert pengcheng.post(base, {"file": pdf()}, format="multipart").status_code == 404


def test_the_api_sends_a_file_with_a_message_of_the_conversation_and_no_other(
    media, wo, network, hotline, hotline_agent, parts_intake_other_work_order
):
    api = api_session(hotline, hotline_agent, HTTP_ACCEPT_LANGUAGE="en")
    said = api.post(f"/api/v1/work-orders/{wo.number}/messages/", {"text": "发票见附件"}, format="json")
    assert said.status_code == 201
    base = f"/api/v1/work-orders/{wo.number}/attachments/"

    made = api.post(base, {"file": pdf(), "message": said.data["id"]}, format="multipart")

    assert made.status_code == 201
    assert made.data["message"] == said.data["id"]
    assert [a["message"] for a in api.get(base).json()] == [said.data["id"]]
    junda = api_session(network["junda"], person("crm", network["junda"], Role.DEALER_CRM_MANAGER))
    reply = junda.post(
        f"/api/v1/work-orders/HQ/{wo.number}/attachments/",
        {"file": docx(), "message": said.data["id"]},
        format="multipart",
    )
    assert reply.status_code == 201

    elsewhere = api.post(
        f"/api/v1/work-orders/{parts_intake_other_work_order.number}/attachments/",
        {"file": pdf("other.pdf"), "message": said.data["id"]},
        format="multipart",
    )
    assert elsewhere.status_code == 400
    assert "No message" in elsewhere.json()["errors"]["message"][0]
    beyond = api.post(base, {"file": pdf("beyond.pdf"), "message": 2**64}, format="multipart")
    assert beyond.status_code == 400
    assert "message" in beyond.json()["errors"]
    with in_schema(hotline):
        assert not Attachment.objects.filter(name="other.pdf").exists()
    assert len(stored_files(media)) == 2


@pytest.fixture
def parts_intake_other_work_order(wo, manufacturer, network, agent):
    return work_order_create(
        manufacturer=manufacturer, actor=agent, intake=parts_intake(dealer_id=network["junda"].pk)
    )
