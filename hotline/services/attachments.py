"""Files attached to a work order: checked by their content, stored, listed on the timeline.

A file is accepted only for what its bytes are, never for its name: photos
(JPEG, PNG, WebP; a HEIC photo only where the image library can read it),
PDFs, Word, Excel and PowerPoint documents (``.docx``/``.xlsx``/``.pptx``, read
from the package's own list of contents) and the older Word and Excel files
(``.doc``/``.xls``). A photo is decoded and written again without its metadata
(place, camera, time), turned upright, and given a small thumbnail.

Either every file of one upload is attached or none is: a refusal names the
file and the rule, and leaves no row and no stored file behind.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from config.actor import Actor
from tenants.permissions import may, require

from ..events import EventKind
from ..models import Attachment, AttachmentSide, Message, WorkOrder
from ..selectors import attachments_visible
from .events import event_append
from .work_orders import work_order_lock

FIELD = "file"
THUMBNAIL_SIZE = (320, 320)
# A photo larger than this many pixels is refused before it is decoded (a few kilobytes can
# claim a gigapixel image).
MAX_PIXELS = 50_000_000

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
# The type each accepted kind of file is served as, and the extension its name is given.
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    DOCX: ".docx",
    XLSX: ".xlsx",
    PPTX: ".pptx",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
}
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# An Office Open XML package says what it is in [Content_Types].xml: its main part's type.
OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
ZIP_TYPES = frozenset({"application/zip", DOCX, XLSX, PPTX})
OLE_TYPES = frozenset({"application/msword", "application/vnd.ms-excel"})
CONTENT_TYPES_LIMIT = 1024 * 1024  # the list of contents of a real document is a few kilobytes


@dataclass
class Checked:
    """One upload as it will be stored: its display name, detected type and bytes to write."""

    name: str
    content_type: str
    source: IO[bytes]  # what to store: the upload itself, or the photo written again
    size: int
    thumbnail: bytes | None = None


def _refuse(message: str) -> ValidationError:
    return ValidationError({FIELD: [message]})


def name_clean(raw: str, extension: str) -> str:
    """The name a file is shown and downloaded under: no folders, no control or quoting
    characters, at most 100 characters before the extension its content calls for."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    name = re.sub(r'[<>:"|?*;%`$]', "_", name)
    name = " ".join(name.split()).strip(" .")
    stem = name.rsplit(".", 1)[0].strip(" .") if "." in name else name
    return (stem[:100].strip(" .") or "attachment") + extension


def _size_of(upload: Any) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    upload.seek(0)
    return int(size)


def _ooxml_type(upload: IO[bytes]) -> str | None:
    """A .docx, .xlsx or .pptx by its list of contents; None for any other zip (or a broken one)."""
    try:
        with zipfile.ZipFile(upload) as package:
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > CONTENT_TYPES_LIMIT:
                return None
            listed = package.read(info).decode("utf-8", "replace")
            macros = any(name.lower().endswith("vbaproject.bin") for name in package.namelist())
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, NotImplementedError):
        return None
    finally:
        upload.seek(0)
    if macros:
        return None
    for part, content_type in OOXML_MAIN_PARTS.items():
        if f'ContentType="{part}"' in listed:
            return content_type
    return None


def _photo(upload: IO[bytes], name: str, content_type: str) -> tuple[str, bytes, bytes]:
    """The photo decoded, turned upright and written again without metadata, and its thumbnail.

    A HEIC photo comes out as JPEG (if it can be read at all)."""
    unreadable = _("%(name)s could not be read as a photo.") % {"name": name}
    try:
        with Image.open(upload) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise _refuse(
                    _(
                        "%(name)s is %(width)d × %(height)d pixels; "
                        "a photo may have at most %(limit)d million."
                    )
                    % {"name": name, "width": width, "height": height, "limit": MAX_PIXELS // 1_000_000}
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if content_type == "image/heic":
            raise _refuse(
                _("%(name)s is a HEIC photo, which cannot be read here: send it as JPEG.") % {"name": name}
            ) from exc
        raise _refuse(unreadable) from exc
    finally:
        upload.seek(0)
    stored_type = "image/jpeg" if content_type == "image/heic" else content_type
    fmt = IMAGE_FORMATS[stored_type]
    clean = upright.copy()
    clean.info = {}  # no EXIF, XMP, ICC or text chunks are carried over
    if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    body = io.BytesIO()
    clean.save(body, fmt, **({"quality": 90} if fmt != "PNG" else {"optimize": True}))
    thumb = clean.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    if thumb.mode not in ("RGB", "RGBA"):
        thumb = thumb.convert("RGBA" if "A" in thumb.getbands() or thumb.mode == "P" else "RGB")
    small = io.BytesIO()
    thumb.save(small, "WEBP", quality=80)
    return stored_type, body.getvalue(), small.getvalue()


def attachment_check(upload: Any) -> Checked:
    """One uploaded file checked by its content: refused (``ValidationError`` on ``file``) when
    empty, too large, or not one of the accepted kinds whatever its name says."""
    raw_name = getattr(upload, "name", "") or ""
    base = raw_name.replace("\\", "/").rsplit("/", 1)[-1]
    own_extension = re.sub(r"[^A-Za-z0-9]", "", base.rsplit(".", 1)[1])[:10] if "." in base else ""
    shown = name_clean(raw_name, f".{own_extension}" if own_extension else "")
    shown = _("The file") if shown.startswith("attachment") and not base.startswith("attachment") else shown
    size = _size_of(upload)
    if size == 0:
        raise _refuse(_("%(name)s is empty.") % {"name": shown})
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise _refuse(
            _("%(name)s is %(size)s; a file may be at most %(limit)s.")
            % {
                "name": shown,
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            }
        )
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    detected = kind.mime if kind is not None else ""
    if detected in ZIP_TYPES:
        detected = _ooxml_type(upload) or ""
    elif detected in OLE_TYPES:
        pass  # the older Word and Excel files, told apart by their own signatures
    elif detected == "image/heic" or detected in IMAGE_FORMATS:
        stored_type, body, thumbnail = _photo(upload, shown, detected)
        return Checked(
            name=name_clean(raw_name, EXTENSIONS[stored_type]),
            content_type=stored_type,
            source=io.BytesIO(body),
            size=len(body),
            thumbnail=thumbnail,
        )
    if detected not in EXTENSIONS:
        raise _refuse(
            _(
                "%(name)s is not a photo (JPEG, PNG, WebP), a PDF or an office document (Word, Excel, "
                "PowerPoint): the file's content decides, not its name."
            )
            % {"name": shown}
        )
    return Checked(
        name=name_clean(raw_name, EXTENSIONS[detected]), content_type=detected, source=upload, size=size
    )


def _key(work_order_id: int, extension: str, suffix: str = "") -> str:
    """Where a file is stored: the hotline's schema, the work order, a random name."""
    return f"attachments/{connection.schema_name}/{work_order_id}/{secrets.token_hex(16)}{suffix}{extension}"


def _room_check(work_order: WorkOrder, checked: Sequence[Checked]) -> None:
    held = Attachment.objects.filter(work_order=work_order).aggregate(n=Count("id"), total=Sum("size"))
    count, total = held["n"] or 0, held["total"] or 0
    limit = settings.ATTACHMENT_MAX_PER_WORK_ORDER
    if count + len(checked) > limit:
        raise _refuse(
            _("A work order may have at most %(limit)d files; this one has %(count)d.")
            % {"limit": limit, "count": count}
        )
    cap = settings.ATTACHMENT_MAX_TOTAL_BYTES
    if total + sum(c.size for c in checked) > cap:
        raise _refuse(
            _("The files of a work order may come to at most %(limit)s; this one has %(total)s already.")
            % {"limit": filesizeformat(cap), "total": filesizeformat(total)}
        )


def _message_check(work_order: WorkOrder, message_id: int, dealer_id: int | None) -> None:
    """A file goes with a message of this work order's conversation that the sender reads
    (a dealer: its own conversation with the hotline)."""

    messages = Message.objects.filter(pk=message_id, work_order=work_order)
    if dealer_id is not None:
        messages = messages.filter(dealer_id=dealer_id)
    if not messages.exists():
        raise ValidationError(
            {"message": [_("No message %(id)s in this work order's conversation.") % {"id": message_id}]}
        )


def _delete_stored(keys: Iterable[str]) -> None:
    for key in keys:
        if key:
            default_storage.delete(key)


def attachments_add(
    *,
    work_order_id: int,
    actor: Actor,
    files: Sequence[Any],
    dealer_id: int | None = None,
    message_id: int | None = None,
) -> list[Attachment]:
    """Attach files to a work order (a dealer's person: ``dealer_id``, through the gateway);
    ``message_id``: sent with that message of the conversation.

    Every file is checked first; then all are stored and, in one transaction with
    the work order locked, the per-work-order limits checked, the rows written and
    an ``attachment.added`` event appended for each. Any refusal or failure
    removes what was stored: no row, no file is left. A caller that runs this
    inside a transaction of its own and rolls it back afterwards removes the
    files with ``attachment_files_delete(rows)``.
    """
    require(actor, "dealer.attach" if dealer_id is not None else "work_order.attach")
    files = [f for f in files if f is not None]
    if not files:
        raise _refuse(_("Choose a file to attach."))
    if len(files) > settings.ATTACHMENT_MAX_FILES_PER_UPLOAD:
        raise _refuse(
            _("At most %(limit)d files at once.") % {"limit": settings.ATTACHMENT_MAX_FILES_PER_UPLOAD}
        )
    messages: list[str] = []
    checked: list[Checked] = []
    for upload in files:
        try:
            checked.append(attachment_check(upload))
        except ValidationError as exc:
            messages += exc.message_dict[FIELD]
    if messages:
        raise ValidationError({FIELD: messages})
    stored: list[str] = []
    try:
        keys = []
        for item in checked:
            extension = EXTENSIONS[item.content_type]
            key = default_storage.save(_key(work_order_id, extension), File(item.source))
            stored.append(key)
            thumbnail_key = ""
            if item.thumbnail is not None:
                thumbnail_key = default_storage.save(
                    _key(work_order_id, ".webp", "-thumbnail"), ContentFile(item.thumbnail)
                )
                stored.append(thumbnail_key)
            keys.append((key, thumbnail_key))
        with transaction.atomic():
            work_order = work_order_lock(work_order_id, dealer_id)
            if message_id is not None:
                _message_check(work_order, message_id, dealer_id)
            _room_check(work_order, checked)
            now = timezone.now()
            side = AttachmentSide.DEALER if dealer_id is not None else AttachmentSide.HOTLINE
            rows = []
            for item, (key, thumbnail_key) in zip(checked, keys, strict=True):
                row = Attachment.objects.create(
                    work_order=work_order,
                    side=side,
                    dealer_id=dealer_id,
                    uploader_id=actor.user_id,
                    uploader_name=actor.name[:150],
                    name=item.name,
                    content_type=item.content_type,
                    size=item.size,
                    key=key,
                    thumbnail_key=thumbnail_key,
                    uploaded_at=now,
                    message_id=message_id,
                )
                event_append(work_order, EventKind.ATTACHMENT_ADDED, actor, now, **_facts(row))
                rows.append(row)
    except BaseException:
        _delete_stored(stored)
        raise
    return rows


def attachment_files_delete(rows: Iterable[Attachment]) -> None:
    """Delete the stored files of rows that were never kept (their transaction rolled back)."""
    _delete_stored(key for row in rows for key in (row.key, row.thumbnail_key))


def _facts(row: Attachment) -> dict[str, Any]:
    return {
        "attachment": row.pk,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "side": row.side,
    }


def attachment_may_remove(attachment: Attachment, actor: Actor, *, dealer_id: int | None = None) -> bool:
    """Whoever attached a file may take it off again; the hotline's supervisors any file, a dealer's
    managers any of their dealership's files."""
    own = "dealer" if dealer_id is not None else "work_order"
    if dealer_id is not None and (
        attachment.side != AttachmentSide.DEALER or attachment.dealer_id != dealer_id
    ):
        return False
    mine = (
        attachment.uploader_id is not None
        and attachment.uploader_id == actor.user_id
        and attachment.side == (AttachmentSide.DEALER if dealer_id is not None else AttachmentSide.HOTLINE)
    )
    if mine:
        return may(actor.role, f"{own}.attachment_remove")
    return may(actor.role, f"{own}.attachment_remove_any")


def attachment_remove(
    *, work_order_id: int, attachment_id: int, actor: Actor, dealer_id: int | None = None
) -> None:
    """Take a file off a work order: the row goes, ``attachment.removed`` (its name, type and size)
    stays in the log; the stored file and thumbnail are deleted once that has committed.

    A file this side may not see is ``Attachment.DoesNotExist``; one the actor may
    not remove is refused (``PermissionDenied``)."""
    require(actor, "dealer.attachment_remove" if dealer_id is not None else "work_order.attachment_remove")
    with transaction.atomic():
        work_order = work_order_lock(work_order_id, dealer_id)
        attachment = (
            attachments_visible(work_order, dealer_id=dealer_id).select_for_update().get(pk=attachment_id)
        )
        if not attachment_may_remove(attachment, actor, dealer_id=dealer_id):
            raise PermissionDenied(_("Only whoever attached this file, or a supervisor, may remove it."))
        facts = _facts(attachment)
        keys = [attachment.key, attachment.thumbnail_key]
        attachment.delete()
        event_append(work_order, EventKind.ATTACHMENT_REMOVED, actor, timezone.now(), **facts)
        transaction.on_commit(lambda: _delete_stored(keys))
