"""Any table of a page as a CSV (UTF-8 with BOM, for Excel) or XLSX download.

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
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")


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
        response = HttpResponse(
            buffer.getvalue(),
            content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
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
