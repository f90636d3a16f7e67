"""Work that takes longer than a request: exports and imports, run by a Celery worker.

A row in the public schema says what was asked, by whom, for which tenant, how
far it has got and where its file is; the work itself runs in the tenant's
schema (``tenants/jobs.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class BackgroundJob(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    language = models.CharField(max_length=10, blank=True)  # the requester's: of the file and the message
    message = models.CharField(max_length=500, blank=True)  # a failure, or what an import did
    file_name = models.CharField(max_length=200, blank=True)  # as the person downloads it
    file_path = models.CharField(max_length=300, blank=True)  # in the default storage
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # a running job's progress keeps it fresh
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "requested_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.state}"
