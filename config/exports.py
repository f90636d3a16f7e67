"""Tables as CSV (UTF-8 with BOM, for Excel) or XLSX: a page's table, a whole list streamed while
it is read, or a background job's file.

Every text cell is neutralised against formula injection (CSV injection): a
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would be run as a formula by Excel or LibreOffice, so it gets a leading ``'``
(the spreadsheets' "this is text" mark) and reads as the text it was. Numbers
stay numbers; a name, a complaint or a reason typed by anyone is only ever text.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")
CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
}


def cell_safe(value: Any) -> Any:
    """A value as a spreadsheet cell: text that a spreadsheet would read as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | dt.date):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_LEADS) else text


def table_write(path: Path, headers: Sequence[Any], rows: Iterable[Sequence[Any]], fmt: str) -> Path:
    """Write a table to ``path`` (its suffix set by the format, CSV unless "xlsx"), row by row:
    a table of any length takes the memory of one row."""
    header_cells = [cell_safe(str(h)) for h in headers]
    if fmt == "xlsx":
        path = path.with_suffix(".xlsx")
        from openpyxl import Workbook  # a large package, loaded when a workbook is made or read

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header_cells)
        for row in rows:
            sheet.append([cell_safe(v) for v in row])
        book.save(path)
        return path
    path = path.with_suffix(".csv")
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header_cells)
        writer.writerows([cell_safe(v) for v in row] for row in rows)
    return path


def table_download(
    filename: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]], fmt: str
) -> HttpResponse:
    """A page's table as a file to download (a few thousand rows at most: larger ones are jobs)."""
    with tempfile.TemporaryDirectory() as folder:
        path = table_write(Path(folder) / "table", headers, rows, fmt)
        response = HttpResponse(path.read_bytes(), content_type=CONTENT_TYPES[path.suffix])
    response["Content-Disposition"] = f'attachment; filename="{filename}{path.suffix}"'
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
    into a temporary file, which is then streamed.
    """
    if fmt == "xlsx":
        folder = tempfile.mkdtemp()
        path = table_write(Path(folder) / "list", headers, rows, fmt)
        spooled = path.open("rb")  # closed by the response
        path.unlink()
        Path(folder).rmdir()
        response: StreamingHttpResponse | HttpResponse = FileResponse(
            spooled, content_type=CONTENT_TYPES[".xlsx"]
        )
    else:
        header_cells = [cell_safe(str(h)) for h in headers]
        writer = csv.writer(_Echo())

        def lines() -> Iterator[str]:
            yield "\ufeff" + writer.writerow(header_cells)
            for row in rows:
                yield writer.writerow([cell_safe(v) for v in row])

        response = StreamingHttpResponse(lines(), content_type=CONTENT_TYPES[".csv"])
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
