"""Files attached to a work order: photos, PDFs and office documents from either side.

The row lives with the work order in the hotline's schema (the manufacturer owns
the document and what was attached to it); the bytes live in Django's default
storage (a folder or an S3-compatible bucket) under a key made of the hotline's
schema, the work order and a random name, never the name the file came with.
A file sent with a message of the conversation points to that message
(``message``) and is otherwise one of the work order's files like any other.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .work_order import WorkOrder


class AttachmentSide(models.TextChoices):
    HOTLINE = "hotline", _("Customer-service centre")
    DEALER = "dealer", _("Dealer")


class Attachment(models.Model):
    """One file of a work order: who sent it, what it is (as read from its content), where it is."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="attachments")
    side = models.CharField(_("sent by"), max_length=8, choices=AttachmentSide.choices)
    # The dealer tenant whose person sent it (side "dealer"); other dealers never see it.
    dealer_id = models.BigIntegerField(null=True, blank=True)
    uploader_id = models.BigIntegerField(null=True, blank=True)
    uploader_name = models.CharField(max_length=150, blank=True)
    name = models.CharField(_("file name"), max_length=150)  # sanitised for display and download
    content_type = models.CharField(max_length=100)  # detected from the content
    size = models.BigIntegerField(_("size"))
    key = models.CharField(max_length=255, unique=True)
    thumbnail_key = models.CharField(max_length=255, blank=True)
    uploaded_at = models.DateTimeField(_("attached at"))
    # Sent with a message of the conversation (also one of the work order's files).
    message = models.ForeignKey(
        "hotline.Message", on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )

    class Meta:
        ordering = ["work_order", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.work_order_id}: {self.name}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def kind_label(self) -> str:
        """What the file is, in a word (beside its name where there is no thumbnail)."""
        for needle, label in KIND_LABELS:
            if needle in self.content_type:
                return label
        return "IMG" if self.is_image else "FILE"


# The short words shown for documents, by a part of their content type.
KIND_LABELS = (
    ("pdf", "PDF"),
    ("wordprocessing", "Word"),
    ("msword", "Word"),
    ("spreadsheet", "Excel"),
    ("ms-excel", "Excel"),
    ("presentation", "PowerPoint"),
)
