"""Bulk import of a dealer directory: all rows checked first, every bad row reported."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from tenants.models import NetworkMembership, Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


HEADER = ["manufacturer", "dealer_code", "slug", "name", "region", "province", "city", "active"]
GOOD = [
    ["HQ", "HQ-GD-101", "gz-tianhe", "广州天河华骐4S店", "SOUTH", "广东", "广州", "1"],
    ["HQ", "HQ-SH-101", "sh-minhang", "上海闵行华骐4S店", "EAST", "上海", "上海", "是"],
    ["HQ", "HQ-GD-102", "zh-xiangzhou", "珠海香洲华骐4S店", "SOUTH", "广东", "珠海", "否"],
]


def write_csv(
    path: Path, rows: list[list[str]], encoding: str = "utf-8-sig", header: list[str] = HEADER
) -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_dealers", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_valid_directory_is_imported(manufacturer, tmp_path):
    out, _ = run(str(write_csv(tmp_path / "dealers.csv", GOOD)))

    assert "3 imported" in out
    assert set(Tenant.objects.filter(type="dealer").values_list("slug", flat=True)) == {
        "gz-tianhe",
        "sh-minhang",
        "zh-xiangzhou",
    }
    assert not NetworkMembership.objects.get(dealer_code="HQ-GD-102").is_active


def test_bad_rows_are_each_reported_and_nothing_is_created(manufacturer, tmp_path):
    rows = [
        *GOOD,
        ["HQ", "HQ-GD-101", "gz-other", "重复代码店", "SOUTH", "广东", "广州", "1"],  # row 5
        ["HQ", "HQ-X-1", "Bad_Slug", "坏标识店", "SOUTH", "广东", "广州", "1"],  # row 6
        ["HQ", "HQ-X-2", "nowhere", "无区域店", "NORTH", "广东", "广州", "1"],  # row 7
        ["HQ", "", "no-code", "", "SOUTH", "广东", "广州", "maybe"],  # row 8
    ]
    path = write_csv(tmp_path / "dealers.csv", rows)

    with pytest.raises(CommandError, match="Nothing was imported") as caught:
        call_command("import_dealers", str(path), "--no-progress", stderr=(err := StringIO()))

    report = err.getvalue()
    assert "row 5, dealer_code" in report
    assert "row 2" in report
    assert "row 6, slug" in report
    assert "row 7, region" in report
    assert "row 8, dealer_code" in report
    assert "row 8, name" in report
    assert "row 8, active" in report
    assert "rows 2" not in report
    assert "4 bad" in str(caught.value)
    assert not Tenant.objects.filter(type="dealer").exists()
    assert not NetworkMembership.objects.exists()


def test_only_valid_imports_the_good_rows_and_still_reports_the_bad(manufacturer, tmp_path):
    rows = [*GOOD, ["HQ", "HQ-X-2", "nowhere", "无区域店", "NORTH", "广东", "广州", "1"]]

    out, err = run(str(write_csv(tmp_path / "dealers.csv", rows)), "--only-valid")

    assert "3 imported" in out
    assert "1 bad" in out
    assert "row 5, region" in err
    assert not Tenant.objects.filter(slug="nowhere").exists()


def test_running_the_same_file_again_skips_what_is_there(manufacturer, tmp_path):
    path = write_csv(tmp_path / "dealers.csv", GOOD)
    run(str(path))

    out, _ = run(str(path))

    assert "0 imported, 3 already present" in out
    assert Tenant.objects.filter(type="dealer").count() == 3


def test_gbk_csv_with_chinese_headers(manufacturer, tmp_path):
    header = ["厂商代码", "经销商代码", "域名标识", "经销商名称", "区域代码", "省份", "城市"]
    path = write_csv(tmp_path / "经销商.csv", [r[:7] for r in GOOD], encoding="gbk", header=header)

    out, _ = run(str(path))

    assert "3 imported" in out
    assert Tenant.objects.get(slug="gz-tianhe").name == "广州天河华骐4S店"


def test_xlsx_directory(manufacturer, other_manufacturer, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in GOOD:
        sheet.append(row)
    # The same dealer group joins a second brand's network: one tenant, two places.
    sheet.append(["DY", "DY-GD-008", "gz-tianhe", "广州天河华骐4S店", "SOUTH", "广东", "广州", 1])
    workbook.save(tmp_path / "dealers.xlsx")

    out, _ = run(str(tmp_path / "dealers.xlsx"))

    assert "4 imported" in out
    assert Tenant.objects.get(slug="gz-tianhe").networks.count() == 2


def test_missing_columns_are_named(manufacturer, tmp_path):
    path = write_csv(tmp_path / "d.csv", [["HQ", "x"]], header=["manufacturer", "dealer_code"])

    with pytest.raises(CommandError, match=r"Missing column.*slug.*name.*region"):
        run(str(path))


def test_progress_is_shown_on_stderr(manufacturer, tmp_path):
    path = write_csv(tmp_path / "dealers.csv", GOOD)
    err = StringIO()

    call_command("import_dealers", str(path), stdout=StringIO(), stderr=err)

    assert "3/3" in err.getvalue()


def test_the_report_speaks_the_operators_language(manufacturer, tmp_path):
    rows = [["HQ", "HQ-X-2", "nowhere", "无区域店", "NORTH", "广东", "广州", "1"]]
    path = write_csv(tmp_path / "dealers.csv", rows)

    with translation.override("zh-hans"), pytest.raises(CommandError, match="没有导入任何数据"):
        call_command("import_dealers", str(path), "--no-progress", stderr=(err := StringIO()))

    assert "第 2 行，region：此网络中没有区域“NORTH”。" in err.getvalue()
