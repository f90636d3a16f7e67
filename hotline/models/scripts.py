"""The callback script (回访话术) the manufacturer's administrators write, in versions.

A version is never edited: publishing adds the next one, and the callback forms of
both portals show the newest. Every text is kept in Simplified Chinese and in
English; a reader sees their language, the Chinese text where no English is given.
The opening and closing lines may name ``{address}`` (the owner's surname with
先生/女士) and ``{org}`` (who is calling).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def in_reader_language(zh: str, en: str) -> str:
    """The English text for a reader of English when there is one, else the Chinese."""
    if en and not (get_language() or "").startswith("zh"):
        return en
    return zh


class CallbackScript(models.Model):
    """One version of the callback script: its opening and closing lines, and its situations."""

    version = models.PositiveIntegerField(unique=True)
    opening = models.TextField(_("opening (Chinese)"))
    opening_en = models.TextField(_("opening (English)"), blank=True)
    closing = models.TextField(_("closing (Chinese)"))
    closing_en = models.TextField(_("closing (English)"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"callback script v{self.version}"


class ScriptSituation(models.Model):
    """One situation of the callback manual: what to say, and what never to say."""

    script = models.ForeignKey(CallbackScript, on_delete=models.PROTECT, related_name="situations")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("situation (Chinese)"), max_length=100)
    title_en = models.CharField(_("situation (English)"), max_length=100, blank=True)
    say = models.TextField(_("what to say (Chinese)"))
    say_en = models.TextField(_("what to say (English)"), blank=True)
    never = models.TextField(_("what never to say (Chinese)"), blank=True)
    never_en = models.TextField(_("what never to say (English)"), blank=True)

    class Meta:
        ordering = ["script", "position"]
        constraints = [
            models.UniqueConstraint(fields=["script", "position"], name="one_situation_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.script_id}:{self.position} {self.title}"
