"""Dealer API: the files on a work order routed to this dealer (list, upload, download).

Through ``DealerGateway`` like everything else: the dealer sees the hotline's files
and its own; a work order not routed here, or a file it may not see, is 404.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.contract import ANSWER_HEADERS
from config.api.schema import IDEMPOTENCY_KEY, READ_ERRORS, WRITE_ERRORS, problems
from config.body_limit import file_upload_cap
from config.files import stored_file_response
from hotline.api.attachments import (
    FILE_RESPONSES,
    UPLOAD_DESCRIPTION,
    AttachmentOut,
    AttachmentUpload,
    attachments_out,
    upload_answer,
)
from tenants.api.authentication import actor_of

from .views import MANUFACTURER, TAG, DealerView


def _base(manufacturer: str, number: str) -> str:
    return f"/api/v1/work-orders/{manufacturer}/{number}/"


class WorkOrderAttachments(DealerView):
    permission_actions = {"GET": "inbox.read", "POST": "dealer.attach"}
    parser_classes = [MultiPartParser]

    def body_limit(self) -> int:
        return file_upload_cap()

    @extend_schema(
        tags=TAG,
        operation_id="dealer_work_orders_attachments_list",
        parameters=[MANUFACTURER],
        responses={200: AttachmentOut(many=True), **problems(READ_ERRORS)},
        summary="The files on a work order routed to this dealer, oldest first",
        description="Lists the files this dealer sees on one work order: those the customer-service "
        "centre attached and this dealer's own (never another dealer's), oldest first.",
    )
    def get(self, request: Request, manufacturer: str, number: str) -> Response:
        view = self.gateway.work_order(manufacturer, number, page=False)
        return Response(attachments_out(view.attachments, _base(manufacturer, number)))

    @extend_schema(
        tags=TAG,
        operation_id="dealer_work_orders_attachments_create",
        parameters=[MANUFACTURER, IDEMPOTENCY_KEY],
        request={"multipart/form-data": AttachmentUpload},
        responses={201: AttachmentOut, **problems(WRITE_ERRORS)},
        summary="Attach a file to a work order routed to this dealer",
        description="Attaches one file (`multipart/form-data`, field `file`); the customer-service "
        "centre sees it. " + UPLOAD_DESCRIPTION,
        extensions={ANSWER_HEADERS: ["Location"]},
    )
    def post(self, request: Request, manufacturer: str, number: str) -> Response:
        self.gateway.work_order(manufacturer, number, page=False)  # 404 before reading the body
        actor = actor_of(request)
        return upload_answer(
            request,
            lambda upload, message: self.gateway.attach(
                manufacturer, number, actor=actor, files=[upload], message_id=message
            ),
            _base(manufacturer, number),
        )


class WorkOrderAttachmentFile(DealerView):
    permission_actions = {"GET": "inbox.read"}

    @extend_schema(
        tags=TAG,
        operation_id="dealer_work_orders_attachments_download",
        parameters=[MANUFACTURER],
        responses=FILE_RESPONSES,
        summary="Download a file of a work order routed to this dealer",
        description="The file's bytes as stored (a photo without its metadata); another dealer's file, "
        "or one of a work order not routed here, is 404.",
    )
    def get(self, request: Request, manufacturer: str, number: str, pk: int):
        row = self.gateway.attachment(manufacturer, number, pk)
        return stored_file_response(row.key, content_type=row.content_type, name=row.name)
