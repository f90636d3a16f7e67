"""Downloads: text a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from config.exports import table_download

HOSTILE = ['=HYPERLINK("http://evil.example","点此")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "正常的文字"]


def test_csv_cells_that_start_a_formula_are_quoted_and_numbers_stay_numbers():
    response = table_download("x", ["名称", "=A1"], [[HOSTILE[0], 5], *[[v, -3] for v in HOSTILE[1:]]], "csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    assert rows[0] == ["名称", "'=A1"]
    assert [r[0] for r in rows[1:]] == [f"'{v}" for v in HOSTILE[:-1]] + ["正常的文字"]
    assert [r[1] for r in rows[1:]] == ["5"] + ["-3"] * (len(HOSTILE) - 1)


def test_xlsx_cells_that_start_a_formula_are_text_not_formulas():
    response = table_download("x", ["名称"], [[v] for v in HOSTILE] + [[42]], "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active

    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type != "f" for c in cells)
    assert [c.value for c in cells[:-1]] == [f"'{v}" for v in HOSTILE[:-1]] + ["正常的文字"]
    assert cells[-1].value == 42
