"""Any table of a page, or a whole list, as a CSV (UTF-8 with BOM, for Excel) or XLSX download."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from openpyxl import Workbook


def table_download(
    filename: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str
) -> HttpResponse:
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append([str(h) for h in headers])
        for row in rows:
            sheet.append(["" if v is None else v for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    else:
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow([str(h) for h in headers])
        writer.writerows([["" if v is None else v for v in row] for row in rows])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


class _Echo:
    """A file-like object that hands back what is written to it (for streaming CSV)."""

    def write(self, value: str) -> str:
        return value


def list_download(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str
) -> StreamingHttpResponse | HttpResponse:
    """A whole list (a board, an inbox) as a download, however long it is.

    CSV is streamed row by row while the rows are read; XLSX is written row by row
    (openpyxl's write-only mode) into a temporary file and then streamed. This is the one
    place a list becomes a file: a background export (a task writing the file and telling
    the person when it is ready) can take its place for the largest lists without any
    list changing.
    """
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append([str(h) for h in headers])
        for row in rows:
            sheet.append(["" if v is None else v for v in row])
        spooled = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by the response
        book.save(spooled)
        spooled.seek(0)
        response: StreamingHttpResponse | HttpResponse = FileResponse(
            spooled, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        writer = csv.writer(_Echo())

        def lines() -> Iterator[str]:
            yield "\ufeff" + writer.writerow([str(h) for h in headers])
            for row in rows:
                yield writer.writerow(["" if v is None else v for v in row])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
