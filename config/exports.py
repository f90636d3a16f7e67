"""Any table of a page, or a whole list, as a CSV (UTF-8 with BOM, for Excel) or XLSX download.

Every text cell is neutralised against formula injection (CSV injection): a
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would be run as a formula by Excel or LibreOffice, so it gets a leading ``'``
(the spreadsheets' "this is text" mark) and reads as the text it was. Numbers
stay numbers; a name, a complaint or a reason typed by anyone is only ever text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from openpyxl import Workbook

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_safe(value: Any) -> Any:
    """A value as a spreadsheet cell: text that a spreadsheet would read as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | dt.date):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_LEADS) else text


def table_download(
    filename: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str
) -> HttpResponse:
    header_cells = [cell_safe(str(h)) for h in headers]
    body = [[cell_safe(v) for v in row] for row in rows]
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append(header_cells)
        for row in body:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    else:
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(header_cells)
        writer.writerows(body)
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
    (openpyxl's write-only mode) into a temporary file and then streamed.
    """
    header_cells = [cell_safe(str(h)) for h in headers]
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header_cells)
        for row in rows:
            sheet.append([cell_safe(v) for v in row])
        spooled = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by the response
        book.save(spooled)
        spooled.seek(0)
        response: StreamingHttpResponse | HttpResponse = FileResponse(spooled, content_type=XLSX_TYPE)
    else:
        writer = csv.writer(_Echo())

        def lines() -> Iterator[str]:
            yield "\ufeff" + writer.writerow(header_cells)
            for row in rows:
                yield writer.writerow([cell_safe(v) for v in row])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
