"""What a notification says: one sentence of what happened, who did it, on which work order.

A notification keeps the facts of its event (``Notification.facts``): who acted
(``who``, and ``by``: a person, the parts centre, the system, the owner), the
fields the event catalogue declares for its kind (``data``), labels of coded
values kept as their source text (``labels``, translated when shown), the
owner's name and the vehicle's plate. The sentence is built from them when it
is shown, in the reader's language; a robot's message and an e-mail use the
same sentence. Every kind that tells anyone has its own sentence here
(``tests/notifications/test_sentences.py`` walks the catalogue).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

Facts = dict[str, Any]

# The kind the dealer's own assignment of a work order to one of its people is told as (it is not
# in the manufacturer's log: the assignment stays inside the dealership).
ASSIGNED = "dealer.assigned"
TEXT_CHARS = 60


def who(facts: Facts) -> str:
    """The person's name, or the parts centre, the system, the owner."""
    by = facts.get("by")
    if by == "parts_centre":
        return _("The parts centre")
    if by == "owner":
        return _("The owner")
    if by == "system" or not facts.get("who"):
        return _("The system")
    return str(facts["who"])


def short(text: Any, chars: int = TEXT_CHARS) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= chars else text[: chars - 1] + "…"


def when(value: Any) -> str:
    """A time from an event's data, in the current (tenant's) time zone."""
    if not value:
        return "?"
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_naive(moment):
        return moment.strftime("%Y-%m-%d")
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def label(facts: Facts, name: str) -> str:
    """A coded value's label, kept as its source text and translated now."""
    source = (facts.get("labels") or {}).get(name)
    return _(source) if source else str((facts.get("data") or {}).get(name) or "")


def _with_reason(
    sentence: str, data: dict[str, Any], field: str = "reason", facts: Facts | None = None
) -> str:
    text = short(label(facts, field) if facts else data.get(field))
    return _("%(sentence)s: %(text)s") % {"sentence": sentence, "text": text} if text else sentence


Render = Callable[[str, Facts, dict[str, Any]], str]


def _dispatched(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(who)s sent new work order %(number)s to %(dealer)s") % {
        "who": who(f),
        "number": number,
        "dealer": d.get("dealer_name") or d.get("dealer_code") or _("your dealership"),
    }


def _first_contact(number: str, f: Facts, d: dict[str, Any]) -> str:
    if d.get("on_behalf_of"):
        return _("%(who)s recorded your first contact with the owner of %(number)s: please confirm it") % {
            "who": who(f),
            "number": number,
        }
    if d.get("reached") is False:
        return _("%(who)s tried to reach the owner of %(number)s (first contact), without success") % {
            "who": who(f),
            "number": number,
        }
    return _("%(who)s made first contact with the owner of %(number)s") % {"who": who(f), "number": number}


def _contact_attempt(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(who)s recorded a contact with the owner of %(number)s on your behalf: please confirm it") % {
        "who": who(f),
        "number": number,
    }


def _progress(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s reported progress on %(number)s") % {"who": who(f), "number": number}, d, "text"
    )


def _arrival(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(who)s promised the rescue will arrive at %(at)s (%(number)s)") % {
        "who": who(f),
        "at": when(d.get("arrival_promised_at")),
        "number": number,
    }


def _servicing_dealer(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(dealer)s is rescuing your customer's car in %(place)s (%(number)s)") % {
        "dealer": d.get("rescuing_dealer_name") or d.get("rescuing_dealer_code") or _("Another dealer"),
        "place": " ".join(p for p in (d.get("city"), d.get("district")) if p) or "?",
        "number": number,
    }


def _parts_unavailable(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("The parts centre can supply no part of %(number)s") % {"number": number}


def _resolved(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(who)s reported %(number)s resolved: call the owner back") % {"who": who(f), "number": number}


def _reviewed(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s recorded the hotline's review of %(number)s") % {"who": who(f), "number": number},
        d,
        "opinion",
    )


def _reopened(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(_("%(who)s reopened %(number)s") % {"who": who(f), "number": number}, d)


def _transferred(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(who)s transferred %(number)s to %(dealer)s") % {
        "who": who(f),
        "number": number,
        "dealer": d.get("dealer_name") or d.get("dealer_code") or _("your dealership"),
    }


def _warning(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("The window “%(window)s” of %(number)s runs out at %(due)s") % {
        "window": label(f, "clock_kind"),
        "number": number,
        "due": when(d.get("due_at")),
    }


def _breached(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("The window “%(window)s” of %(number)s was missed (due %(due)s)") % {
        "window": label(f, "clock_kind"),
        "number": number,
        "due": when(d.get("due_at")),
    }


def _escalated(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("The missed window “%(window)s” of %(number)s was escalated (level %(level)s)") % {
        "window": label(f, "clock_kind"),
        "number": number,
        "level": d.get("level") or 1,
    }


def _part(d: dict[str, Any]) -> str:
    return str(d.get("part_code") or _("a part"))


def _acknowledged(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(who)s acknowledged the parts request of work order %(number)s") % {
        "who": who(f),
        "number": number,
    }


def _allocated(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(who)s allocated part %(part)s · work order %(number)s") % {
        "who": who(f),
        "part": _part(d),
        "number": number,
    }


def _back_ordered(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(who)s back-ordered part %(part)s, expected %(date)s · work order %(number)s") % {
        "who": who(f),
        "part": _part(d),
        "date": when(d.get("expected_date")),
        "number": number,
    }


def _shipped(number: str, f: Facts, d: dict[str, Any]) -> str:
    sentence = _("%(who)s shipped %(quantity)s × part %(part)s · work order %(number)s") % {
        "who": who(f),
        "quantity": d.get("quantity") or 1,
        "part": _part(d),
        "number": number,
    }
    carrier = " ".join(str(p) for p in (d.get("carrier"), d.get("tracking_number")) if p)
    return f"{sentence} ({carrier})" if carrier else sentence


def _rejected(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s refused part %(part)s · work order %(number)s")
        % {"who": who(f), "part": _part(d), "number": number},
        d,
    )


def _transfer_requested(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s asks to hand %(number)s to another dealer") % {"who": who(f), "number": number}, d
    )


def _extension_requested(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s asks for %(minutes)s more minutes on %(number)s")
        % {"who": who(f), "minutes": d.get("minutes") or "?", "number": number},
        d,
    )


def _dealer_callback(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(who)s called back the owner of %(number)s: the fault is not fixed") % {
        "who": who(f),
        "number": number,
    }


def _callback_scheduled(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("Time to call back the owner of %(number)s (attempt %(attempt)s)") % {
        "number": number,
        "attempt": d.get("attempt") or 1,
    }


def _withdrawn(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s withdrew the resolution of %(number)s") % {"who": who(f), "number": number}, d
    )


def _tech_requested(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s asks technical support about %(number)s") % {"who": who(f), "number": number},
        d,
        "question",
    )


def _tech_answered(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s answered the technical-support request on %(number)s") % {"who": who(f), "number": number},
        d,
        "answer",
    )


def _tech_closed(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s closed the technical-support request on %(number)s") % {"who": who(f), "number": number}, d
    )


def _owner_called(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(_("The owner of %(number)s called the hotline") % {"number": number}, d, "topic", f)


def _reclassified(number: str, f: Facts, d: dict[str, Any]) -> str:
    if d.get("major"):
        return _("%(who)s made %(number)s a major complaint") % {"who": who(f), "number": number}
    return _with_reason(
        _("%(who)s changed the severity or category of %(number)s") % {"who": who(f), "number": number}, d
    )


def _upgrade_requested(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s asks that %(number)s be a major complaint") % {"who": who(f), "number": number}, d
    )


def _upgrade_refused(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s kept %(number)s a normal complaint") % {"who": who(f), "number": number}, d
    )


def _senior_confirmed(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(who)s confirmed senior management's answer to major complaint %(number)s") % {
        "who": d.get("on_behalf_of_name") or who(f),
        "number": number,
    }


def _assigned(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _("%(who)s assigned work order %(number)s to %(assignee)s") % {
        "who": who(f),
        "number": number,
        "assignee": d.get("assignee_name") or "?",
    }


def _mentioned(number: str, f: Facts, d: dict[str, Any]) -> str:
    return _with_reason(
        _("%(who)s mentioned you in work order %(number)s") % {"who": who(f), "number": number}, d, "excerpt"
    )


SENTENCES: dict[str, Render] = {
    "work_order.dispatched": _dispatched,
    "work_order.first_contact": _first_contact,
    "work_order.contact_attempt": _contact_attempt,
    "work_order.progress_reported": _progress,
    "rescue.arrival_promised": _arrival,
    "rescue.servicing_dealer_informed": _servicing_dealer,
    "work_order.parts_unavailable": _parts_unavailable,
    "work_order.resolved": _resolved,
    "work_order.reviewed": _reviewed,
    "work_order.reopened": _reopened,
    "work_order.transferred": _transferred,
    "clock.warning": _warning,
    "clock.breached": _breached,
    "clock.escalated": _escalated,
    "parts.acknowledged": _acknowledged,
    "parts.line_allocated": _allocated,
    "parts.line_back_ordered": _back_ordered,
    "parts.line_shipped": _shipped,
    "parts.line_rejected": _rejected,
    "transfer.requested": _transfer_requested,
    "extension.requested": _extension_requested,
    "callback.dealer_recorded": _dealer_callback,
    "callback.scheduled": _callback_scheduled,
    "work_order.resolution_withdrawn": _withdrawn,
    "tech_support.requested": _tech_requested,
    "tech_support.answered": _tech_answered,
    "tech_support.closed": _tech_closed,
    "owner.called": _owner_called,
    "work_order.reclassified": _reclassified,
    "upgrade.requested": _upgrade_requested,
    "upgrade.refused": _upgrade_refused,
    "work_order.senior_answer_confirmed": _senior_confirmed,
    "conversation.message_posted": _mentioned,
    ASSIGNED: _assigned,
}

# What a person may choose to hear of, with the label of the preferences page (source texts,
# translated when shown), grouped as the robots' page offers them.
WARNINGS = ("clock.warning",)
BREACHES = ("clock.breached", "clock.escalated")
ASSIGNMENTS = ("work_order.dispatched", "work_order.transferred", ASSIGNED)
ROBOT_DEFAULT = (*WARNINGS, *BREACHES, *ASSIGNMENTS)


# News addressed to a dealer about a work order it does not hold (the owner's usual dealer told
# that another dealer is rescuing the car): there is no page of it to open.
NOT_HELD = frozenset({"rescue.servicing_dealer_informed"})


def work_order_path(tenant_type: str, manufacturer_code: str, number: str, kind: str = "") -> str | None:
    """Where a work order opens on the tenant's portal; None for news of ``kind`` about a work
    order the reader does not hold."""
    if kind in NOT_HELD:
        return None
    if tenant_type == "hotline":
        return f"/work-orders/{number}/"
    return f"/work-orders/{manufacturer_code}/{number}/"


def sentence(kind: str, number: str, facts: Facts | None) -> str | None:
    """The sentence of one event in the active language; None without facts (an older row) or
    for a kind without a sentence."""
    render = SENTENCES.get(kind)
    if render is None or not facts:
        return None
    return render(number, facts, facts.get("data") or {})
