"""Exports and imports in the background: a person starts one, watches it, downloads its file.

Every portal has this page. A person sees and downloads their own jobs on this
tenant only: anyone else's job, here or on another tenant, is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.portal import errors_of

from ..jobs import job_label, job_of, job_start, job_started, jobs_of
from ..models import BackgroundJob, JobState


def _rows(request: HttpRequest) -> list[dict]:
    return [
        {"job": job, "label": job_label(job)}
        for job in jobs_of(tenant=request.tenant, user=request.user)  # type: ignore[attr-defined]
    ]


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    """The person's exports and imports of the last week; the list refreshes while one runs."""
    if request.membership is None:  # type: ignore[attr-defined]
        raise Http404
    rows = _rows(request)
    busy = any(r["job"].state in (JobState.QUEUED, JobState.RUNNING) for r in rows)
    template = "tenants/_jobs.html" if request.headers.get("HX-Request") else "tenants/jobs.html"
    return render(request, template, {"rows": rows, "busy": busy})


@login_required
@require_POST
def job_new(request: HttpRequest) -> HttpResponse:
    """Start the job named by ``kind`` with the form's fields (a page's filters) as its input."""
    membership = request.membership  # type: ignore[attr-defined]
    if membership is None:
        raise Http404
    try:
        job = job_start(
            tenant=request.tenant,  # type: ignore[attr-defined]
            user=request.user,  # type: ignore[arg-type]
            role=membership.role,
            kind=str(request.POST.get("kind", "")),
            data=request.POST,
            from_page=True,
        )
    except ValidationError as exc:
        for message_list in errors_of(exc).values():
            for message in message_list:
                messages.error(request, message)
        return redirect(request.POST.get("back") if _local(request.POST.get("back")) else "jobs")
    messages.success(request, job_started(job))
    return redirect("jobs")


def _local(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//") and "\\" not in url


@login_required
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file of one of the person's own finished jobs on this tenant; else 404."""
    try:
        job = job_of(tenant=request.tenant, user=request.user, job_id=pk)  # type: ignore[attr-defined]
    except BackgroundJob.DoesNotExist:
        raise Http404 from None
    if job.state != JobState.DONE or not job.file_path or not default_storage.exists(job.file_path):
        raise Http404
    return FileResponse(default_storage.open(job.file_path, "rb"), as_attachment=True, filename=job.file_name)
