"""What a caller says on a callback to the owner (回访话术), beside every callback form.

The opening and closing lines address the owner by surname and 先生/女士 (Mr/Ms);
each situation of the callback manual says what to say and what never to say.
Both languages come from the message catalogue; the hotline's and the dealers'
callback forms show the same script.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .models import Gender, Owner

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


def callback_script(owner: Owner, *, org: str = "") -> dict[str, object]:
    """The opening and closing lines for this owner, and the manual's situations."""
    address = owner_address(owner)
    return {
        "address": address,
        "opening": _(
            "Hello, this is the callback specialist of %(org)s. Am I speaking with %(address)s? "
            "We are calling about the problem you reported recently. Do you have a few minutes "
            "to tell us how it went?"
        )
        % {"org": org or _("the customer-service centre"), "address": address},
        "questions": [
            _("Is the fault fully fixed now?"),
            _("How satisfied are you overall, from 1 to 10?"),
            _("Remind the owner of the next service (date or mileage)."),
        ],
        "closing": _(
            "Thank you for your time, %(address)s. If anything else comes up with your car, "
            "please contact us at any time. Have a safe drive, goodbye!"
        )
        % {"address": address},
        "situations": SITUATIONS,
    }
