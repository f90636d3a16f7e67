"""Hotline API: the files on a work order (list, upload, download).

The same service as the portal checks each file by its content; a download is
served as the type the content was found to be, with the headers of
``config.files``. Uploads take ``multipart/form-data`` with one ``file`` per call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.contract import ANSWER_HEADERS
from config.api.fields import IdField
from config.api.schema import IDEMPOTENCY_KEY, READ_ERRORS, WRITE_ERRORS, problems
from config.api.serializers import Serializer
from config.body_limit import file_upload_cap
from config.files import stored_file_response
from tenants.api.authentication import actor_of
from tenants.api.idempotency import idempotent

from ..models import Attachment, AttachmentSide
from ..selectors import attachments_visible, work_order_by_number
from ..services.attachments import attachment_files_delete, attachments_add
from .views import TAG, HotlineView

UPLOAD_DESCRIPTION = (
    "Accepted for what the content is, whatever the name says: photos (JPEG, PNG, WebP; HEIC only "
    "where it can be read), PDF, Word, Excel and PowerPoint (.docx/.xlsx/.pptx, .doc/.xls). Photos are "
    "written again without their metadata and get a thumbnail. At most `ATTACHMENT_MAX_BYTES` (20 MB "
    "by default) per file and `ATTACHMENT_MAX_PER_WORK_ORDER` files (30) or `ATTACHMENT_MAX_TOTAL_BYTES` "
    "(200 MB) per work order; a refusal (400, `errors.file`) names the file and the rule and keeps nothing. "
    "An `Idempotency-Key` makes a retry safe (the same key with another file is 422)."
)


class AttachmentUpload(Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # refused by the service, naming the file
        help_text=_("One file, sent as multipart/form-data."),
    )
    message = IdField(
        required=False, help_text=_("Sent with this message of the work order's conversation (its id).")
    )


class AttachmentOut(Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text=_("The name it is shown and downloaded under."))
    content_type = serializers.CharField(help_text=_("The type read from the content."))
    size = serializers.IntegerField(help_text=_("Bytes as stored."))
    side = serializers.ChoiceField(choices=AttachmentSide.choices)
    uploaded_by = serializers.CharField(source="uploader_name")
    uploaded_at = serializers.DateTimeField()
    thumbnail = serializers.BooleanField(source="has_thumbnail")
    download = serializers.CharField(help_text=_("The address of the file in this API."))
    message = serializers.IntegerField(
        source="message_id", allow_null=True, help_text=_("The message it was sent with, if any.")
    )


def attachments_out(rows: list[Attachment], base: str) -> list[dict]:
    """Rows as the API answers them; ``base`` is the work order's address in this API."""
    for row in rows:
        row.has_thumbnail = bool(row.thumbnail_key)
        row.download = f"{base}attachments/{row.pk}/"
    return AttachmentOut(rows, many=True).data


def upload_answer(
    request: Request, attach: Callable[[Any, int | None], list[Attachment]], base: str
) -> Response:
    """Attach the request's ``file`` (with its ``message``, if any) once per ``Idempotency-Key``
    and answer 201 with it.

    Should the idempotency record's transaction roll back after the file was
    attached (the row goes with it), the stored file is deleted too."""
    serializer = AttachmentUpload(data=request.data)
    serializer.is_valid(raise_exception=True)
    made: list[Attachment] = []

    def run() -> Response:
        made[:] = attach(serializer.validated_data["file"], serializer.validated_data.get("message"))
        [out] = attachments_out(made, base)
        return Response(out, status=201, headers={"Location": out["download"]})

    try:
        return idempotent(request, run)
    except BaseException:
        if made and not Attachment.objects.filter(pk__in=[row.pk for row in made]).exists():
            attachment_files_delete(made)
        raise


FILE_RESPONSES = {
    (200, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY,
        description="The file, as the type its content was found to be (`Content-Type`), with "
        "`Content-Disposition` (inline for photos and PDFs, attachment otherwise) and `nosniff`.",
    ),
    **problems(READ_ERRORS),
}


class WorkOrderAttachments(HotlineView):
    permission_actions = {"GET": "work_order.read", "POST": "work_order.attach"}
    parser_classes = [MultiPartParser]

    def body_limit(self) -> int:
        return file_upload_cap()

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_attachments_list",
        responses={200: AttachmentOut(many=True), **problems(READ_ERRORS)},
        summary="The files on a work order, oldest first",
        description="Lists the files attached to one work order by the hotline and by the dealer, "
        "oldest first: name, detected type, size, who attached it and when, and its download address.",
    )
    def get(self, request: Request, number: str) -> Response:
        work_order = work_order_by_number(number)  # DoesNotExist: 404
        return Response(
            attachments_out(list(attachments_visible(work_order)), f"/api/v1/work-orders/{number}/")
        )

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_attachments_create",
        request={"multipart/form-data": AttachmentUpload},
        parameters=[IDEMPOTENCY_KEY],
        responses={201: AttachmentOut, **problems(WRITE_ERRORS)},
        summary="Attach a file to a work order",
        description="Attaches one file to a work order (`multipart/form-data`, field `file`). "
        + UPLOAD_DESCRIPTION
        + " Appends `attachment.added` to the work order's events.",
        extensions={ANSWER_HEADERS: ["Location"]},
    )
    def post(self, request: Request, number: str) -> Response:
        work_order = work_order_by_number(number)
        actor = actor_of(request)
        return upload_answer(
            request,
            lambda upload, message: attachments_add(
                work_order_id=work_order.pk, actor=actor, files=[upload], message_id=message
            ),
            f"/api/v1/work-orders/{number}/",
        )


class WorkOrderAttachmentFile(HotlineView):
    permission_actions = {"GET": "work_order.read"}

    @extend_schema(
        tags=TAG,
        operation_id="work_orders_attachments_download",
        responses=FILE_RESPONSES,
        summary="Download a file of a work order",
        description="The file's bytes as stored (a photo without its metadata). A file of another "
        "work order is 404.",
    )
    def get(self, request: Request, number: str, pk: int):
        found = attachments_visible(work_order_by_number(number)).filter(pk=pk).first()
        if found is None:
            raise Http404
        return stored_file_response(found.key, content_type=found.content_type, name=found.name)
