"""Bulk import of a dealer directory (CSV or XLSX, thousands of rows).

The whole file is read and validated before anything is written. Each bad row
is reported by its row number (as a spreadsheet shows it: the header is row 1)
and field. Nothing is imported while any row is bad, unless the operator asks
for the valid rows only. Each dealer is then created in its own transaction,
so an interruption leaves whole dealers only, and running the same file again
skips the rows already imported.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import NetworkMembership
from .provisioning import DealerSpec, DirectoryIndex, check_dealer_spec, dealer_provision

# Accepted headers: the English field name, or the Chinese label a dealer list usually carries.
COLUMNS: dict[str, tuple[str, ...]] = {
    "manufacturer": ("manufacturer", "厂商代码", "品牌代码"),
    "dealer_code": ("dealer_code", "经销商代码", "服务站代码"),
    "slug": ("slug", "域名标识"),
    "name": ("name", "经销商名称", "名称"),
    "region": ("region", "区域代码", "区域"),
    "province": ("province", "省份", "省"),
    "city": ("city", "城市", "市"),
    "active": ("active", "是否有效", "状态"),
}
REQUIRED = ("manufacturer", "dealer_code", "slug", "name", "region", "province", "city")
TRUE_WORDS = {"", "1", "true", "yes", "y", "是", "有效", "启用", "active"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "无效", "停用", "inactive"}


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)s, %(field)s: %(message)s") % {
            "row": self.row,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class DirectoryReport:
    total: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: int = 0
    already_present: int = 0
    skipped_bad: int = 0

    @property
    def bad_rows(self) -> set[int]:
        return {e.row for e in self.errors}


class DirectoryFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, headers)."""


def read_directory(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows as ``(row number, {field: text})``; the header is row 1."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows = _read_xlsx(path)
    elif suffix == ".csv":
        rows = _read_csv(path)
    else:
        raise DirectoryFileError(_("Use a .csv or .xlsx file."))
    if not rows:
        raise DirectoryFileError(_("The file is empty."))
    header, *body = rows
    mapping = _map_header([str(h or "").strip() for h in header])
    result = []
    for number, cells in enumerate(body, start=2):
        values = [str(c).strip() if c is not None else "" for c in cells]
        if not any(values):
            continue  # blank line
        result.append((number, {f: values[i] if i < len(values) else "" for f, i in mapping.items()}))
    return result


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DirectoryFileError(_("The file is neither UTF-8 nor GBK text."))
    return list(csv.reader(text.splitlines()))


def _read_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook  # a large package, loaded when a workbook is made or read

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise DirectoryFileError(_("The workbook cannot be read: %(error)s") % {"error": exc}) from exc
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def _map_header(header: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, title in enumerate(header):
        for name, aliases in COLUMNS.items():
            if title.lower() in aliases:
                mapping[name] = index
    missing = [c for c in REQUIRED if c not in mapping]
    if missing:
        raise DirectoryFileError(
            _("Missing column(s): %(columns)s. Expected headers: %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ", ".join(COLUMNS)}
        )
    return mapping


def _spec(row: dict[str, str], errors: list[str]) -> DealerSpec:
    active = row.get("active", "").strip().lower()
    if active not in TRUE_WORDS | FALSE_WORDS:
        errors.append(active)
    return DealerSpec(
        manufacturer=row["manufacturer"],
        dealer_code=row["dealer_code"],
        slug=row["slug"].lower(),
        name=row["name"],
        region=row["region"],
        province=row["province"],
        city=row["city"],
        is_active=active not in FALSE_WORDS,
    )


def directory_validate(
    rows: Iterable[tuple[int, dict[str, str]]], index: DirectoryIndex | None = None
) -> tuple[DirectoryReport, list[tuple[int, DealerSpec]], set[int]]:
    """Check every row against the database and against the other rows of the file.

    Returns the report, the rows' specs, and the row numbers already imported
    (the same dealer code, dealer and network as in the database).
    """
    index = index or DirectoryIndex()
    report = DirectoryReport()
    specs: list[tuple[int, DealerSpec]] = []
    present: set[int] = set()
    seen_codes: dict[tuple[str, str], int] = {}
    seen_joins: dict[tuple[str, str], int] = {}
    seen_names: dict[str, tuple[int, str]] = {}
    existing = _existing_memberships(index)
    for number, row in rows:
        report.total += 1
        bad_active: list[str] = []
        spec = _spec(row, bad_active)
        specs.append((number, spec))
        if existing.get((spec.manufacturer, spec.dealer_code)) == spec.slug:
            present.add(number)
            continue
        for name, messages in check_dealer_spec(spec, index).items():
            report.errors += [RowError(number, name, m) for m in messages]
        if bad_active:
            report.errors.append(
                RowError(
                    number,
                    "active",
                    _("“%(value)s” is not a yes/no value (use 1/0, yes/no, 是/否).")
                    % {"value": bad_active[0]},
                )
            )
        code_key = (spec.manufacturer, spec.dealer_code)
        if spec.dealer_code and code_key in seen_codes:
            report.errors.append(
                RowError(
                    number,
                    "dealer_code",
                    _("Dealer code “%(code)s” also appears in row %(row)s.")
                    % {"code": spec.dealer_code, "row": seen_codes[code_key]},
                )
            )
        seen_codes.setdefault(code_key, number)
        join_key = (spec.manufacturer, spec.slug)
        if spec.slug and join_key in seen_joins:
            report.errors.append(
                RowError(
                    number,
                    "slug",
                    _("This dealer already joins this network in row %(row)s.")
                    % {"row": seen_joins[join_key]},
                )
            )
        seen_joins.setdefault(join_key, number)
        if spec.slug and spec.slug not in index.tenants:
            first = seen_names.setdefault(spec.slug, (number, spec.name))
            if first[1] != spec.name:
                report.errors.append(
                    RowError(
                        number,
                        "name",
                        _("Row %(row)s names dealer “%(slug)s” differently (“%(name)s”).")
                        % {"row": first[0], "slug": spec.slug, "name": first[1]},
                    )
                )
    report.already_present = len(present)
    report.errors.sort(key=lambda e: (e.row, e.field))
    return report, specs, present


def _existing_memberships(index: DirectoryIndex) -> dict[tuple[str, str], str]:

    return {
        (m, code): slug
        for m, code, slug in NetworkMembership.objects.values_list(
            "manufacturer__code", "dealer_code", "dealer__slug"
        )
    }


def directory_import(
    rows: list[tuple[int, dict[str, str]]],
    *,
    only_valid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> DirectoryReport:
    """Validate all rows, then create each dealer (and its network place) in one transaction.

    With errors and ``only_valid`` false, nothing is written and the report lists them.
    """
    index = DirectoryIndex()
    report, specs, present = directory_validate(rows, index)
    if report.errors and not only_valid:
        return report
    bad = report.bad_rows
    for number, spec in specs:
        if number in present:
            pass
        elif number in bad:
            report.skipped_bad += 1
        else:
            try:
                dealer_provision(spec, index)
                report.imported += 1
            except ValidationError as exc:  # changed under our feet since validation
                report.errors += [RowError(number, f, m) for f, ms in exc.message_dict.items() for m in ms]
        if progress:
            progress(1)
    return report
