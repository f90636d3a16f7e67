"""Any table of a page as a CSV (UTF-8 with BOM, for Excel) or XLSX download."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
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
