"""Serving a stored file to the person allowed to see it, whichever page or API asked.

The caller has already found the file among those the person may see (anything
else is its 404); this only streams it from the default storage (a folder or a
bucket, never read whole into memory) with headers a browser cannot turn against
the site: the type the content was found to be, ``nosniff``, a name safe in
``Content-Disposition``, and a sandboxing Content-Security-Policy that lets an
image or a PDF show and nothing in it run.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

# Shown in the browser: images and PDFs; everything else is downloaded.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})
SANDBOX = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; object-src 'self'"


def stored_file_response(key: str, *, content_type: str, name: str) -> FileResponse:
    """The stored file ``key`` as ``name``: inline when the browser may show it, else as a download."""
    if not key:
        raise Http404
    try:
        stream = default_storage.open(key, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    inline = content_type in INLINE_TYPES
    response = FileResponse(stream, as_attachment=not inline, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
