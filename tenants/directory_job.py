"""A dealer directory imported from the portal, as a background job with progress.

The hotline administrator's file is kept in the default storage; the job reads
it on a worker and imports it into the hotline's own network
(``tenants.services.invitations.network_directory_import``): new dealers of
this manufacturer only, within its quota; every bad row is reported by number.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .jobs import JobKind, JobResult, Progress, job_kind_register
from .models import BackgroundJob
from .services.directory import DirectoryFileError, read_directory
from .services.invitations import network_directory_import

SHOWN_ERRORS = 20


def import_params(data: dict[str, Any]) -> dict[str, Any]:
    """Set by the upload view: where the file is, and whether to import the valid rows only."""
    return {"upload": str(data["upload"]), "only_valid": bool(data.get("only_valid"))}


def import_dealers(job: BackgroundJob, progress: Progress, folder: Path) -> JobResult:
    """The hotline's file, read on the worker and imported into its own network (with its quota)."""
    upload = job.params["upload"]
    local = folder / Path(upload).name
    with default_storage.open(upload, "rb") as stored, local.open("wb") as copy:
        shutil.copyfileobj(stored, copy)
    try:
        rows = read_directory(local)
    except DirectoryFileError as exc:
        raise ValidationError(str(exc)) from exc
    done = [0]

    def step(n: int) -> None:
        done[0] += n
        progress(done[0], len(rows))

    report = network_directory_import(
        rows,
        manufacturer=job.tenant.manufacturer,
        time_zone=job.tenant.time_zone,
        only_valid=job.params["only_valid"],
        progress=step,
    )
    lines = [
        _("%(imported)s dealers imported, %(present)s already there, %(errors)s errors.")
        % {"imported": report.imported, "present": report.already_present, "errors": len(report.errors)},
        *(str(e) for e in report.errors[:SHOWN_ERRORS]),
    ]
    default_storage.delete(upload)  # kept until now: a job run again reads it again
    return JobResult(message=" ".join(lines))


def directory_job_register() -> None:
    job_kind_register(
        "import.dealers",
        JobKind(
            _lazy("Dealer directory import"), import_dealers, "network.manage", import_params, from_page=False
        ),
    )
