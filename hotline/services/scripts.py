"""What a caller says on a callback to the owner (回访话术), beside every callback form.

The opening and closing lines address the owner by surname and 先生/女士 (Mr/Ms);
each situation of the callback manual says what to say and what never to say.
The manufacturer's administrators publish the script in versions, in Chinese
and English; until they do, the manual's script (from the message catalogue, in
both languages) is version 1. The hotline's and the dealers' callback forms show
the same, newest version.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from config.actor import Actor
from tenants.permissions import require

from ..models import CallbackScript, Gender, Owner, ScriptSituation, in_reader_language
from .policy import publishing

MAX_SITUATIONS = 20
PLACEHOLDERS = ("address", "org")
Errors = dict[str, list[str]]

# Two-character surnames common enough to be worth knowing (复姓); anything else is one character.
COMPOUND_SURNAMES = frozenset(
    {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "令狐", "尉迟", "公孙"}
)


@dataclass(frozen=True)
class Situation:
    title: object
    say: object
    never: object


SITUATIONS = (
    Situation(
        _lazy("The owner is busy"),
        _lazy(
            "“Sorry to disturb you. When would suit you better? I will call you back then.” "
            "Record “call later” with the time agreed."
        ),
        _lazy("“It only takes a minute.” (insisting)"),
    ),
    Situation(
        _lazy("Someone else answers"),
        _lazy(
            "“May I ask when Mr/Ms … can be reached, or on which number?” "
            "Record “not the owner” with the time to try again."
        ),
        _lazy("Telling a stranger anything about the complaint."),
    ),
    Situation(
        _lazy("You cannot hear the owner clearly"),
        _lazy("“Sorry, the line is unclear; could you speak a little louder, or may I call you back?”"),
        _lazy("“Hello? Speak up!” — or hanging up."),
    ),
    Situation(
        _lazy("The owner speaks a dialect"),
        _lazy("Keep speaking Mandarin; ask politely whether someone nearby could help."),
        _lazy("Switching to the dialect, or ending the call."),
    ),
    Situation(
        _lazy("The fault is not fixed"),
        _lazy(
            "“We are sorry the problem is still there. I have recorded it and the service manager "
            "will contact you within one day.” Answer “No” to “fault fully fixed?”."
        ),
        _lazy("“It was repaired, it should be fine.” — arguing with what the owner experiences."),
    ),
    Situation(
        _lazy("The owner is angry"),
        _lazy(
            "Listen without interrupting, apologise for the trouble, note every point, "
            "and pass it to the manager at once if you cannot settle it."
        ),
        _lazy("“That is not my fault.” — or answering back."),
    ),
    Situation(
        _lazy("The owner complains about a member of staff"),
        _lazy(
            "“We are sorry our service let you down. Could you tell me exactly what happened?” "
            "Record it in full for the manager."
        ),
        _lazy("“That was not me.” — or defending the colleague."),
    ),
    Situation(
        _lazy("You cannot answer at once"),
        _lazy(
            "“Thank you for telling us. I will report it to the manager and we will answer you "
            "within one day.”"
        ),
        _lazy("“I don't know, call again in a few days.”"),
    ),
    Situation(
        _lazy("The owner thanks you"),
        _lazy("“You are welcome; it is our job. Thank you for your support.”"),
        _lazy("Saying nothing, or a casual reply."),
    ),
)


def surname_of(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    if name.isascii():  # "Zhang Wei" or "Wei Zhang": the last word is taken as the family name
        return name.split()[-1] if " " in name else name
    return name[0]


def owner_address(owner: Owner) -> str:
    """How the caller addresses the owner: surname and Mr/Ms (王先生, 李女士; 王先生/女士 unknown)."""
    surname = surname_of(owner.name)
    if owner.gender == Gender.MALE:
        return _("Mr %(surname)s") % {"surname": surname}
    if owner.gender == Gender.FEMALE:
        return _("Ms %(surname)s") % {"surname": surname}
    return _("Mr/Ms %(surname)s") % {"surname": surname}


# --- versions ----------------------------------------------------------------------------------


def _with_situations(qs: Any) -> Any:
    return qs.prefetch_related(Prefetch("situations", queryset=ScriptSituation.objects.order_by("position")))


def _in(language: str, text: object) -> str:
    with translation.override(language):
        return str(text)


def _manual_script() -> dict[str, Any]:
    """The callback manual's script in both languages, as version 1 stores it."""
    lines = {"org": "{org}", "address": "{address}"}

    def both(make) -> tuple[str, str]:
        texts = []
        for language in ("zh-hans", "en"):
            with translation.override(language):
                texts.append(make())
        return texts[0], texts[1]

    opening, opening_en = both(
        lambda: (
            _(
                "Hello, this is the callback specialist of %(org)s. Am I speaking with %(address)s? "
                "We are calling about the problem you reported recently. Do you have a few minutes "
                "to tell us how it went?"
            )
            % lines
        )
    )
    closing, closing_en = both(
        lambda: (
            _(
                "Thank you for your time, %(address)s. If anything else comes up with your car, "
                "please contact us at any time. Have a safe drive, goodbye!"
            )
            % lines
        )
    )
    situations = [
        {
            "title": _in("zh-hans", s.title),
            "title_en": _in("en", s.title),
            "say": _in("zh-hans", s.say),
            "say_en": _in("en", s.say),
            "never": _in("zh-hans", s.never),
            "never_en": _in("en", s.never),
        }
        for s in SITUATIONS
    ]
    return {
        "opening": opening,
        "opening_en": opening_en,
        "closing": closing,
        "closing_en": closing_en,
        "situations": situations,
    }


def _create(version: int, fields: dict[str, Any], *, note: str, actor_id: int | None) -> CallbackScript:
    situations = fields.pop("situations")
    script = CallbackScript.objects.create(version=version, note=note, created_by_id=actor_id, **fields)
    ScriptSituation.objects.bulk_create(
        ScriptSituation(script=script, position=i, **situation) for i, situation in enumerate(situations, 1)
    )
    return script


def script_current() -> CallbackScript:
    """The newest version, its situations prefetched in order; the manual's becomes version 1 on
    first use."""
    current = _with_situations(CallbackScript.objects.order_by("-version")).first()
    if current is None:
        try:
            with transaction.atomic():
                _create(
                    1,
                    _manual_script(),
                    note=_in("zh-hans", _lazy("The callback manual's script")),
                    actor_id=None,
                )
        except IntegrityError:  # a concurrent first use made version 1 and committed first
            pass
        current = _with_situations(CallbackScript.objects.order_by("-version")).first()
    return current


def _placeholder_error(text: str) -> str | None:
    """What is wrong with the placeholders of an opening or closing line, if anything."""
    try:
        fields = [
            (name, spec, conv)
            for _lit, name, spec, conv in string.Formatter().parse(text)
            if name is not None
        ]
    except ValueError:
        return _("A brace is not closed: write {address} or {org}, or {{ and }} for a brace itself.")
    for name, spec, conv in fields:
        if name not in PLACEHOLDERS or spec or conv:
            return _("Unknown placeholder {%(name)s}: use {address} (the owner, e.g. 王先生) or {org}.") % {
                "name": name
            }
    return None


def script_publish(
    *,
    actor: Actor,
    opening: str,
    closing: str,
    situations: list[dict[str, Any]],
    opening_en: str = "",
    closing_en: str = "",
    note: str = "",
) -> CallbackScript:
    """A new version of the callback script; the callback forms show it from now on. Each
    situation: ``title``, ``say`` (Chinese, required), ``never``, and their ``_en`` texts.
    Errors name the field (``situations[<n>].<field>``, n from 1)."""
    require(actor, "callback_script.change")
    errors: Errors = {}
    texts = {
        "opening": (opening or "").strip(),
        "opening_en": (opening_en or "").strip(),
        "closing": (closing or "").strip(),
        "closing_en": (closing_en or "").strip(),
    }
    for name in ("opening", "closing"):
        if not texts[name]:
            errors[name] = [_("Write the line in Chinese.")]
    for name, text in texts.items():
        if len(text) > 1000:
            errors[name] = [_("At most %(n)s characters.") % {"n": 1000}]
        elif text and (problem := _placeholder_error(text)):
            errors[name] = [problem]
    if len(note or "") > 200:
        errors["note"] = [_("At most 200 characters.")]
    if not isinstance(situations, list):
        errors["situations"] = [_("Situations are given as a list.")]
        situations = []
    elif len(situations) > MAX_SITUATIONS:
        errors["situations"] = [_("At most %(n)s situations.") % {"n": MAX_SITUATIONS}]
    cleaned: list[dict[str, str]] = []
    limits = {"title": 100, "title_en": 100, "say": 1000, "say_en": 1000, "never": 1000, "never_en": 1000}
    for n, raw in enumerate(situations, 1):
        here = f"situations[{n}]"
        if not isinstance(raw, dict):
            errors[here] = [_("Each situation is an object.")]
            continue
        situation = {name: str(raw.get(name) or "").strip() for name in limits}
        for name, limit in limits.items():
            if len(situation[name]) > limit:
                errors[f"{here}.{name}"] = [_("At most %(n)s characters.") % {"n": limit}]
        if not situation["title"]:
            errors[f"{here}.title"] = [_("Name the situation in Chinese.")]
        if not situation["say"]:
            errors[f"{here}.say"] = [_("Write what to say, in Chinese.")]
        cleaned.append(situation)
    if errors:
        raise ValidationError(errors)
    script_current()  # the manual's version 1 first, so versions count from it
    with publishing():
        last = CallbackScript.objects.select_for_update().order_by("-version").first()
        created = _create(
            last.version + 1,
            {**texts, "situations": cleaned},
            note=(note or "").strip(),
            actor_id=actor.user_id,
        )
    return _with_situations(CallbackScript.objects.filter(pk=created.pk)).get()


# --- what the callback forms show --------------------------------------------------------------


@dataclass(frozen=True)
class ShownSituation:
    title: str
    say: str
    never: str


def _filled(text: str, values: dict[str, str]) -> str:
    try:
        return text.format_map(values)
    except (KeyError, ValueError, IndexError, AttributeError):  # published before a rule tightened
        return text


def callback_script(
    owner: Owner, *, org: str = "", script: CallbackScript | None = None
) -> dict[str, object]:
    """The opening and closing lines for this owner and the situations, from the newest version
    of the script, in the reader's language."""
    script = script or script_current()
    address = owner_address(owner)

    def line(zh: str, en: str) -> str:
        """The line in the reader's language; a Chinese line (no English given) names the owner
        in Chinese, as it is said to the owner."""
        if in_reader_language(zh, en) == en:
            return _filled(en, {"address": address, "org": org or _("the customer-service centre")})
        with translation.override("zh-hans"):
            return _filled(
                zh, {"address": owner_address(owner), "org": org or _("the customer-service centre")}
            )

    return {
        "version": script.version,
        "address": address,
        "opening": line(script.opening, script.opening_en),
        "questions": [
            _("Is the fault fully fixed now?"),
            _("How satisfied are you overall, from 1 to 10?"),
            _("Remind the owner of the next service (date or mileage)."),
        ],
        "closing": line(script.closing, script.closing_en),
        "situations": [
            ShownSituation(
                in_reader_language(s.title, s.title_en),
                in_reader_language(s.say, s.say_en),
                in_reader_language(s.never, s.never_en),
            )
            for s in script.situations.all()
        ],
    }
