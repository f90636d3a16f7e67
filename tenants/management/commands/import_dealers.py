from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from tenants.services.directory import (
    DirectoryFileError,
    directory_import,
    read_directory,
)


class Command(BaseCommand):
    help = (
        "Import a dealer directory from CSV or XLSX. Columns: manufacturer, dealer_code, "
        "slug, name, region, province, city, and optionally active (Chinese headers such "
        "as 经销商代码, 区域代码, 省份, 城市 are accepted too). The whole file is checked "
        "first; with any bad row nothing is imported unless --only-valid is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--only-valid", action="store_true", help="Import the valid rows even if some rows are bad"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **o):
        path: Path = o["file"]
        if not path.exists():
            raise CommandError(_("file: %(path)s does not exist.") % {"path": path})
        try:
            rows = read_directory(path)
        except DirectoryFileError as exc:
            raise CommandError(f"file: {exc}") from exc
        bar = tqdm(
            total=len(rows), unit="dealer", disable=o["no_progress"], file=self.stderr._out, desc="Importing"
        )
        try:
            report = directory_import(rows, only_valid=o["only_valid"], progress=bar.update)
        finally:
            bar.close()
        for error in report.errors:
            self.stderr.write(f"  {error}")
        summary = _("%(total)s rows: %(imported)s imported, %(present)s already present, %(bad)s bad") % {
            "total": report.total,
            "imported": report.imported,
            "present": report.already_present,
            "bad": len(report.bad_rows),
        }
        if report.errors and not o["only_valid"]:
            raise CommandError(
                summary
                + _(". Nothing was imported; fix the rows above, or import the valid rows with --only-valid.")
            )
        self.stdout.write(self.style.SUCCESS(summary))
