"""Background jobs: exports and imports too large for a request, with progress and a file.

An app declares what it can do in the background (``job_kind_register``, from its
``AppConfig.ready``): a name, a label and the function that does it. A person
starts one (``job_start``): a row in the public schema, and a Celery task queued
on commit, in the tenant's schema. The task (``job_run``) claims the row, runs
the function with a progress callback, and keeps the file it returns in the
default storage for the person to download. A job whose task was lost, or whose
worker died, is queued again by a sweep; its function runs from the start.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .context import TRANSIENT, current_tenant, enqueue_on_commit
from .models import BackgroundJob, JobState, Tenant, User
from .permissions import may

logger = logging.getLogger(__name__)

RUN_TASK = "tenants.job_run"
KEPT = dt.timedelta(days=7)  # a job and its file are removed after a week
STALE = dt.timedelta(minutes=5)  # a running job whose progress has not moved for this long is run again


@dataclass(frozen=True)
class JobResult:
    """What a job made: a file to download (optional) and a line to show."""

    path: Path | None = None
    file_name: str = ""
    message: str = ""


Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class JobKind:
    label: Promise
    run: Callable[[BackgroundJob, Progress, Path], JobResult]  # writes its file under the folder given
    action: str  # what the person does, as the permission matrix names it (tenants/permissions.py)
    params: Callable[[Any], dict[str, Any]]  # what the job needs, from the form that asked for it
    from_page: bool = True  # a page's form may start it with its fields (an import starts from its upload)


JOB_KINDS: dict[str, JobKind] = {}


def job_kind_register(name: str, kind: JobKind) -> None:
    JOB_KINDS[name] = kind


def job_start(
    *, tenant: Tenant, user: User, role: str, kind: str, data: Any, from_page: bool = False
) -> BackgroundJob:
    """Ask for a job in the current tenant; its task is queued when the transaction commits.

    ``data`` is what the form sent; the job kind takes from it what it needs.
    ``from_page``: started by the generic form of a page, which only some kinds accept.
    """
    declared = JOB_KINDS.get(kind)
    if declared is None or (from_page and not declared.from_page):
        raise ValidationError({"kind": [_("There is no such export or import.")]})
    if not may(role, declared.action):
        raise PermissionDenied(_("Your role may not do this."))
    params = declared.params(data)
    with transaction.atomic():
        language = translation.get_language() or ""
        job = BackgroundJob.objects.create(
            tenant=tenant, requested_by=user, kind=kind, params=params, language=language
        )
        enqueue_on_commit(RUN_TASK, job.pk)
    return job


def _progress(job: BackgroundJob) -> Progress:
    last = [-1]

    def report(done: int, total: int) -> None:
        percent = min(int(100 * done / total), 99) if total else 0
        if percent != last[0]:
            last[0] = percent
            BackgroundJob.objects.filter(pk=job.pk).update(progress=percent, updated_at=timezone.now())

    return report


def job_run(job_id: int) -> BackgroundJob | None:
    """In the job's tenant's schema: do the job, once; a job done or running elsewhere is left."""
    with transaction.atomic():
        job = (
            BackgroundJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, tenant=current_tenant())
            .exclude(state__in=[JobState.DONE, JobState.FAILED])
            .first()
        )
        if job is None or (job.state == JobState.RUNNING and job.updated_at > timezone.now() - STALE):
            return None
        job.state, job.progress = JobState.RUNNING, 0
        job.save(update_fields=["state", "progress", "updated_at"])
    with translation.override(job.language or settings.LANGUAGE_CODE):
        _job_do(job, JOB_KINDS[job.kind])
    return job


def _job_do(job: BackgroundJob, kind: JobKind) -> None:
    try:
        with tempfile.TemporaryDirectory() as folder:
            result = kind.run(job, _progress(job), Path(folder))
            if result.path is not None:
                stored = f"jobs/{job.tenant.schema_name}/{job.pk}/{result.path.name}"
                with result.path.open("rb") as made:
                    job.file_path = default_storage.save(stored, File(made))
                job.file_name = result.file_name or result.path.name
        job.state, job.progress, job.message = JobState.DONE, 100, result.message[:500]
    except TRANSIENT:  # the database or Redis is away: queued again, the task's retry runs it
        BackgroundJob.objects.filter(pk=job.pk).update(state=JobState.QUEUED, updated_at=timezone.now())
        raise
    except ValidationError as exc:  # the input was bad (an import's file): say so
        job.state, job.message = JobState.FAILED, "; ".join(exc.messages)[:500]
    except Exception:  # a bug or an outage: logged; the person sees that it failed
        logger.exception("background job %s (%s) failed", job.pk, job.kind)
        job.state, job.message = JobState.FAILED, _("The job failed; it has been logged.")
    job.finished_at = timezone.now()
    job.save()


def jobs_of(*, tenant: Tenant, user: User) -> list[BackgroundJob]:
    """A person's jobs on a tenant, newest first (those of the last week)."""
    since = timezone.now() - KEPT
    return list(BackgroundJob.objects.filter(tenant=tenant, requested_by=user, created_at__gte=since)[:50])


def job_of(*, tenant: Tenant, user: User, job_id: int) -> BackgroundJob:
    """One of the person's own jobs on this tenant; ``DoesNotExist`` (a 404) otherwise."""
    return BackgroundJob.objects.get(pk=job_id, tenant=tenant, requested_by=user)


def jobs_waiting(*, older_than: dt.timedelta) -> list[BackgroundJob]:
    """Jobs whose task was lost (queued long ago) or whose worker died (running, progress stale)."""
    now = timezone.now()
    lost = Q(state=JobState.QUEUED, updated_at__lt=now - older_than)
    dead = Q(state=JobState.RUNNING, updated_at__lt=now - STALE)
    return list(BackgroundJob.objects.filter(lost | dead).select_related("tenant")[:100])


def jobs_purge() -> int:
    """Remove the jobs older than a week, and their files."""
    old = list(BackgroundJob.objects.filter(created_at__lt=timezone.now() - KEPT)[:1000])
    for job in old:
        if job.file_path:
            default_storage.delete(job.file_path)
        upload = job.params.get("upload")
        if upload:
            default_storage.delete(upload)
    BackgroundJob.objects.filter(pk__in=[j.pk for j in old]).delete()
    return len(old)


def job_label(job: BackgroundJob) -> str:
    declared = JOB_KINDS.get(job.kind)
    return str(declared.label) if declared else job.kind


def job_started(job: BackgroundJob) -> str:
    """What a person is told when their job is queued."""
    return _("%(job)s started: follow it below.") % {"job": job_label(job)}
