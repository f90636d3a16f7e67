"""The one door from a dealer to the work orders routed to it.

A work order lives in its manufacturer's hotline schema. This module alone
switches from the dealer's schema to a hotline schema and back, and it always
filters by the dealer's place in that manufacturer's network and by the work
order's current dealer: a work order of another dealer, of another network, or
one transferred away is ``Http404`` here, the same as one that does not exist.
Writes that touch both schemas (the master record and the dealer's own rows)
happen in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.actor import Actor
from config.listing import PAGE_SIZE, Cursor, Page, Sort, ordered, page_ids, rows_in_order, sort_from
from hotline.events import EventKind, dealer_view
from hotline.models import (
    OPEN_STATES,
    Attachment,
    CallbackAttempt,
    CallbackParty,
    CallbackScript,
    Clock,
    ClockKind,
    ClockState,
    Conclusion,
    Message,
    Questionnaire,
    RelayedEvent,
    RootCause,
    Severity,
    State,
    TechSupportRequest,
    WorkOrder,
    WorkOrderEvent,
)
from hotline.satisfaction import callback_facts, failed_callbacks, figures_by, figures_of, weakest_items
from hotline.selectors import (
    Conversation,
    OwnerHistory,
    attachments_visible,
    conversation_of,
    dealer_windows_running,
    feed_position,
    kpi_rows,
    owner_history,
    relayed_after,
    root_causes,
    search_matches,
    with_list_columns,
)
from hotline.services.attachments import attachment_remove, attachments_add
from hotline.services.conclusions import root_causes_ensure
from hotline.services.conversation import conversation_mark_read, message_post
from hotline.services.major import senior_answers_awaiting
from hotline.services.questionnaires import questionnaire_for
from hotline.services.scripts import script_current
from tenants.models import Manufacturer, NetworkMembership, Tenant
from tenants.permissions import require

from .actions import DEALER_ACTIONS, DealerAction
from .models import Assignment, ContactAttempt, DepartmentHandoff, InternalNote, PersonAtFault
from .services import WorkOrderRef

INBOX_ROWS = 500  # per network, for the API's inbox

# The inbox's sortable columns: the query's key, and the direction each starts in.
INBOX_SORTS = {
    "due": Sort(
        "due_key", nullable=True, expression=Min("clocks__due_at", filter=Q(clocks__state=ClockState.RUNNING))
    ),
    "age": Sort("received_at"),
    "state": Sort("state"),
    "assignee": Sort("assignee_rank", nullable=True),
}


@dataclass
class InboxRow:
    manufacturer: Manufacturer
    work_order: WorkOrder
    next_due: Clock | None
    assignee_id: int | None
    overdue: bool = False


@dataclass
class DealerWorkOrder:
    manufacturer: Manufacturer
    work_order: WorkOrder
    part_lines: list[Any]
    clocks: list[Clock]
    events: list[WorkOrderEvent]
    parts_requests: list[Any]
    assignment: Assignment | None = None
    notes: list[InternalNote] = field(default_factory=list)
    contact_attempts: list[ContactAttempt] = field(default_factory=list)
    # Inside the dealership: the departments it was handed to, and their answers.
    handoffs: list[DepartmentHandoff] = field(default_factory=list)
    # This dealer's own callbacks to the owner since the work order last reached it.
    callbacks: list[CallbackAttempt] = field(default_factory=list)
    # The questionnaire a callback on this work order answers now (its items prefetched).
    questionnaire: Questionnaire | None = None
    # The manufacturer's callback script (its newest version), shown beside the callback form.
    script: CallbackScript | None = None
    # Answers recorded on a senior manager's behalf that they have not confirmed yet.
    awaiting_senior: list[WorkOrderEvent] = field(default_factory=list)

    def awaiting_confirmation_by(self, user_id: int) -> list[WorkOrderEvent]:
        return [e for e in self.awaiting_senior if e.data.get("on_behalf_of") == user_id]

    # The dealer's conclusion (with the hotline's review), the manufacturer's root causes in use
    # (code, name) for the resolve form, and the person at fault (this dealer's own row).
    conclusion: Conclusion | None = None
    root_causes: list[tuple[str, str]] = field(default_factory=list)
    person_at_fault: PersonAtFault | None = None
    # This dealer's questions to the manufacturer's technical support, with their answers.
    tech_support: list[TechSupportRequest] = field(default_factory=list)
    # The owner's other work orders this dealer handles, their vehicles, this dealer's callbacks.
    history: OwnerHistory | None = None
    # The files on the work order this dealer sees: the hotline's and its own.
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def tech_support_open(self) -> bool:
        return any(r.state == "open" for r in self.tech_support)

    @property
    def awaiting_department(self) -> bool:
        """Handed to a department that has not answered yet."""
        return bool(self.handoffs) and self.handoffs[-1].result_at is None

    @property
    def can_withdraw(self) -> bool:
        """The dealer's latest reached callback since resolution found the fault not fixed."""
        resolved = self.work_order.resolved_at
        reached = [
            c for c in self.callbacks if c.outcome == "reached" and resolved is not None and c.at >= resolved
        ]
        return bool(reached) and reached[-1].solved is False


def _root_causes_in_use() -> list[RootCause]:
    """In the hotline's schema: its root causes in use (its first list made on first use)."""
    root_causes_ensure()
    return root_causes(in_use_only=True)


class DealerGateway:
    """Everything a dealer may read or do to the manufacturers' work orders routed to it."""

    def __init__(self, dealer: Tenant) -> None:
        self.dealer = dealer
        # Only active places: a dealer taken out of a network loses its work orders there.
        self.places = {
            p.manufacturer_id: p
            for p in NetworkMembership.objects.select_related("manufacturer", "manufacturer__hotline").filter(
                dealer=dealer, is_active=True
            )
        }

    def _manufacturer(self, code: str) -> Manufacturer:
        for place in self.places.values():
            if place.manufacturer.code == code:
                return place.manufacturer
        raise Http404

    def visible(self, manufacturer: Manufacturer) -> Q:
        """The work orders routed to this dealer in that manufacturer's network (an active place)."""
        place = self.places[manufacturer.pk]
        return Q(dealer_id=self.dealer.pk, network_membership_id=place.pk)

    # --- reads ------------------------------------------------------------------------------

    def _inbox_query(
        self,
        manufacturer: Manufacturer,
        assignments: dict[tuple[int, int], int],
        *,
        open_only: bool = True,
        assignee_id: int | None = None,
        state: str = "",
        severity: str = "",
        overdue: bool = False,
        due_within: int | None = None,
        q: str = "",
        ranks: dict[int, int] | None = None,
    ) -> QuerySet[WorkOrder]:
        """One network's part of the inbox (evaluate it in the manufacturer's schema)."""
        qs = with_list_columns(
            WorkOrder.objects.filter(self.visible(manufacturer)).select_related("owner", "vehicle"),
            internal=True,
        )
        if open_only:
            qs = qs.filter(state__in=OPEN_STATES)
        if state:
            qs = qs.filter(state=state)
        if severity:
            qs = qs.filter(severity=severity)
        if assignee_id is not None:
            mine = [w for (m, w), who in assignments.items() if m == manufacturer.pk and who == assignee_id]
            qs = qs.filter(pk__in=mine)
        if overdue:
            qs = qs.filter(is_overdue=True)
        if due_within:
            now = timezone.now()
            soon = dealer_windows_running(
                work_order=OuterRef("pk"),
                due_at__gte=now,
                due_at__lt=now + dt.timedelta(minutes=due_within),
            )
            qs = qs.filter(Exists(soon))
        qs = qs.filter(search_matches(q))
        # Sorting by who handles it: the people's order by name, as a number per work order.
        whens = {}
        for (m, work_order_id), who in assignments.items():
            if m == manufacturer.pk and ranks and who in ranks:
                whens.setdefault(ranks[who], []).append(work_order_id)
        rank = Case(
            *[When(pk__in=ids, then=Value(r)) for r, ids in sorted(whens.items())],
            default=None,
            output_field=IntegerField(),
        )
        return qs.annotate(assignee_rank=rank)

    def inbox(self, *, limit: int = INBOX_ROWS, **filters: Any) -> list[InboxRow]:
        """The dealer's work orders across every network it belongs to, most urgent first
        (at most ``limit`` per network; the portal pages through all of them: ``inbox_page``).

        Filtered in each hotline schema: open ones only (or all), one state or severity,
        those with a missed running window, those assigned to one person here, any part of
        a number, owner's name or mobile, plate or VIN containing ``q``.
        """
        assignments = self._assignments()
        rows: list[InboxRow] = []
        for place in self.places.values():
            manufacturer = place.manufacturer
            qs = self._inbox_query(manufacturer, assignments, **filters)
            with tenant_context(manufacturer.hotline):
                orders = list(ordered(qs, "next_due", False)[:limit])
                due = {}
                for clock in dealer_windows_running(work_order__in=orders):
                    due.setdefault(clock.work_order_id, clock)
            rows += [
                InboxRow(
                    manufacturer,
                    wo,
                    due.get(wo.pk),
                    assignments.get((manufacturer.pk, wo.pk)),
                    overdue=wo.is_overdue,
                )
                for wo in orders
            ]
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        rows.sort(key=lambda r: r.next_due.due_at if r.next_due else far)
        return rows

    def _assignments(self) -> dict[tuple[int, int], int]:
        return {(a.manufacturer_id, a.work_order_id): a.assignee_id for a in Assignment.objects.all()}

    def inbox_page(
        self,
        *,
        sort: str = "due",
        cursor: Cursor | None = None,
        size: int = PAGE_SIZE,
        staff_order: list[int] | None = None,
        **filters: Any,
    ) -> Page:
        """One page of the inbox merged from every network, sorted by a column of
        ``INBOX_SORTS`` (``-`` reverses it), after ``cursor``; with the count of all of it.

        Each network's query reads only the page's rows after the cursor (keyset), so a
        page costs the same however long the inbox is. ``staff_order``: the people here
        in the order the assignee column sorts them.
        """
        name, descending = sort_from(sort, INBOX_SORTS, "due")
        key = INBOX_SORTS[name]
        assignments = self._assignments()
        ranks = {user_id: i for i, user_id in enumerate(staff_order or [])}
        fetched: list[tuple[Any, int, InboxRow]] = []
        total = 0
        for place in self.places.values():
            manufacturer = place.manufacturer
            qs = self._inbox_query(manufacturer, assignments, ranks=ranks, **filters)
            with tenant_context(manufacturer.hotline):
                total += qs.count()
                ids = page_ids(qs, key, descending, cursor, size + 1, group=manufacturer.pk)
                orders = rows_in_order(qs, [pk for pk, _value in ids])
            values = dict(ids)
            for wo in orders:
                row = InboxRow(
                    manufacturer,
                    wo,
                    None,
                    assignments.get((manufacturer.pk, wo.pk)),
                    overdue=wo.is_overdue,
                )
                fetched.append((values[wo.pk], manufacturer.pk, row))
        present = [f for f in fetched if f[0] is not None]
        present.sort(key=lambda f: (f[0], f[1], f[2].work_order.pk), reverse=descending)
        empty = sorted(
            (f for f in fetched if f[0] is None), key=lambda f: (f[1], f[2].work_order.pk), reverse=descending
        )
        merged = present + empty
        page_rows = merged[:size]
        following = None
        if len(merged) > size and page_rows:
            value, group, last = page_rows[-1]
            following = Cursor(value, last.work_order.pk, group).encode()
        return Page(
            rows=[f[2] for f in page_rows],
            next=following,
            total=total,
            first=cursor is None,
            extra={"sort": name, "descending": descending},
        )

    def dashboard(self, *, user_id: int) -> dict[str, Any]:
        """The dealer's start page, across every network: the person's own open work orders,
        those due within 2 hours, those overdue, those awaiting parts (longest first), and
        those resolved whose callback to the owner runs. Each figure is the count of the
        inbox with the same filters, so the number and the list behind it agree."""
        assignments = self._assignments()
        figures = {"mine": 0, "due_soon": 0, "overdue": 0, "awaiting_parts": 0, "callbacks": 0}
        awaiting: list[InboxRow] = []
        for place in self.places.values():
            manufacturer = place.manufacturer
            queries = {
                "mine": self._inbox_query(manufacturer, assignments, assignee_id=user_id),
                "due_soon": self._inbox_query(manufacturer, assignments, due_within=120),
                "overdue": self._inbox_query(manufacturer, assignments, overdue=True),
                "awaiting_parts": self._inbox_query(manufacturer, assignments, state=State.AWAITING_PARTS),
                "callbacks": self._inbox_query(manufacturer, assignments, state=State.RESOLVED).filter(
                    Exists(dealer_windows_running(work_order=OuterRef("pk"), kind=ClockKind.DEALER_CALLBACK))
                ),
            }
            with tenant_context(manufacturer.hotline):
                for name, qs in queries.items():
                    figures[name] += qs.count()
                oldest = queries["awaiting_parts"].order_by(F("awaiting_since").asc(nulls_last=True))[:8]
                awaiting += [
                    InboxRow(manufacturer, wo, None, assignments.get((manufacturer.pk, wo.pk)))
                    for wo in oldest
                ]
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        awaiting.sort(key=lambda r: r.work_order.awaiting_since or far)
        return {"figures": figures, "awaiting_parts": awaiting[:8]}

    def major_open(self) -> int:
        """How many open major complaints (重大投诉) are routed here, across every network: the
        inbox's pinned badge."""
        count = 0
        for place in self.places.values():
            with tenant_context(place.manufacturer.hotline):
                count += WorkOrder.objects.filter(
                    self.visible(place.manufacturer), state__in=OPEN_STATES, severity=Severity.MAJOR
                ).count()
        return count

    def work_order(self, manufacturer_code: str, number: str, *, page: bool = True) -> DealerWorkOrder:
        """One work order routed here, with what the dealer sees of it. ``page``: also what only
        the portal's page shows (the callback script, the root causes to choose from, answers
        awaiting a senior manager, technical-support requests, department hand-offs)."""
        manufacturer = self._manufacturer(manufacturer_code)
        with tenant_context(manufacturer.hotline):
            work_order = (
                WorkOrder.objects.filter(self.visible(manufacturer), number=number)
                .select_related("owner", "vehicle")
                .first()
            )
            if work_order is None:
                raise Http404
            # The timeline starts when the work order last reached this dealer.
            since = (
                work_order.events.filter(
                    kind__in=[EventKind.DISPATCHED, EventKind.TRANSFERRED],
                    data__dealer_id=self.dealer.pk,
                )
                .order_by("-id")
                .values_list("id", flat=True)
                .first()
            ) or 0
            events = list(work_order.events.filter(Q(id__gte=since) | Q(kind=EventKind.CREATED)))
            for event in events:
                event.data = dealer_view(event.data)
            view = DealerWorkOrder(
                manufacturer=manufacturer,
                work_order=work_order,
                part_lines=list(work_order.part_lines.all()),
                clocks=list(work_order.clocks.filter(started_at__gte=work_order.dispatched_at)),
                events=events,
                parts_requests=list(
                    work_order.parts_requests.filter(dealer_id=self.dealer.pk).prefetch_related("lines")
                ),
                callbacks=list(
                    work_order.callbacks.filter(
                        party=CallbackParty.DEALER, dealer_id=self.dealer.pk, at__gte=work_order.dispatched_at
                    )
                    .select_related("questionnaire")
                    .prefetch_related("answers__item")
                    .order_by("at", "id")
                ),
                questionnaire=questionnaire_for(work_order),
                # A conclusion made before the work order reached this dealer is another dealer's.
                conclusion=Conclusion.objects.select_related("root_cause")
                .filter(work_order=work_order, concluded_at__gte=work_order.dispatched_at)
                .first(),
                attachments=list(attachments_visible(work_order, dealer_id=self.dealer.pk)),
            )
            if page:
                view.script = script_current()
                view.awaiting_senior = senior_answers_awaiting(work_order)
                view.root_causes = [(c.code, c.name) for c in _root_causes_in_use()]
                view.tech_support = list(work_order.tech_support_requests.filter(dealer_id=self.dealer.pk))
                view.history = owner_history(
                    work_order, visible=self.visible(manufacturer), callbacks_of_dealer=self.dealer.pk
                )
        key = {"manufacturer_id": manufacturer.pk, "work_order_id": work_order.pk}
        view.person_at_fault = PersonAtFault.objects.filter(**key).first()
        view.assignment = Assignment.objects.filter(**key).first()
        view.notes = list(InternalNote.objects.filter(**key))
        view.contact_attempts = list(ContactAttempt.objects.filter(**key))
        if page:
            view.handoffs = list(DepartmentHandoff.objects.filter(**key))
        return view

    def _routed_id(self, manufacturer: Manufacturer, number: str) -> int:
        """In the manufacturer's schema: the id of a work order routed here, or ``Http404``."""
        work_order_id = (
            WorkOrder.objects.filter(self.visible(manufacturer), number=number)
            .values_list("pk", flat=True)
            .first()
        )
        if work_order_id is None:
            raise Http404
        return work_order_id

    def attachment(self, manufacturer_code: str, number: str, attachment_id: int) -> Attachment:
        """One file of a work order routed here that this dealer may see (the hotline's or its own);
        ``Http404`` for anything else, another dealer's or another network's file included."""
        manufacturer = self._manufacturer(manufacturer_code)
        with tenant_context(manufacturer.hotline):
            work_order_id = self._routed_id(manufacturer, number)
            found = (
                attachments_visible(WorkOrder(pk=work_order_id), dealer_id=self.dealer.pk)
                .filter(pk=attachment_id)
                .first()
            )
        if found is None:
            raise Http404
        return found

    def attach(
        self,
        manufacturer_code: str,
        number: str,
        *,
        actor: Actor,
        files: list[Any],
        message_id: int | None = None,
    ) -> list[Attachment]:
        """Attach files to a work order routed here (``hotline.services.attachments.attachments_add``,
        in the manufacturer's schema, its own transaction); refused to a role without ``dealer.attach``."""
        require(actor, "dealer.attach")
        manufacturer = self._manufacturer(manufacturer_code)
        with tenant_context(manufacturer.hotline):
            work_order_id = self._routed_id(manufacturer, number)
            return attachments_add(
                work_order_id=work_order_id,
                actor=actor,
                files=files,
                dealer_id=self.dealer.pk,
                message_id=message_id,
            )

    def attachment_remove(
        self, manufacturer_code: str, number: str, attachment_id: int, *, actor: Actor
    ) -> None:
        """Take one of this dealer's files off a work order routed here; ``Http404`` for a file it
        does not see, ``PermissionDenied`` for one it may not remove."""
        require(actor, "dealer.attachment_remove")
        manufacturer = self._manufacturer(manufacturer_code)
        with tenant_context(manufacturer.hotline):
            work_order_id = self._routed_id(manufacturer, number)
            try:
                attachment_remove(
                    work_order_id=work_order_id,
                    attachment_id=attachment_id,
                    actor=actor,
                    dealer_id=self.dealer.pk,
                )
            except Attachment.DoesNotExist as exc:
                raise Http404 from exc

    def dispatched_between(
        self, start: dt.datetime, end: dt.datetime
    ) -> tuple[list[tuple[Manufacturer, WorkOrder]], int]:
        """The work orders dispatched to this dealer in ``[start, end)`` in every network it is
        active in (its owner read with it), and how many of its open work orders are overdue now."""
        now = timezone.now()
        rows: list[tuple[Manufacturer, WorkOrder]] = []
        overdue = 0
        for place in self.places.values():
            manufacturer = place.manufacturer
            with tenant_context(manufacturer.hotline):
                mine = WorkOrder.objects.filter(self.visible(manufacturer))
                rows += [
                    (manufacturer, wo)
                    for wo in mine.filter(dispatched_at__gte=start, dispatched_at__lt=end).select_related(
                        "owner"
                    )
                ]
                late = dealer_windows_running(work_order=OuterRef("pk"), due_at__lt=now)
                overdue += mine.filter(Exists(late), state__in=OPEN_STATES).count()
        return rows, overdue

    def root_causes(self, manufacturer_code: str) -> list[RootCause]:
        """The root causes in use in the list of a manufacturer whose network this dealer is in
        (what a conclusion's ``root_cause`` names); 404 for any other manufacturer."""
        manufacturer = self._manufacturer(manufacturer_code)
        with tenant_context(manufacturer.hotline):
            return _root_causes_in_use()

    def relayed_since(
        self,
        since: dict[str, int],
        *,
        limit: int,
        manufacturer_code: str | None = None,
        number: str | None = None,
    ) -> list[tuple[Manufacturer, RelayedEvent]] | None:
        """What a reconnecting client missed: published events after the positions it saw,
        per manufacturer's stream.

        Only events that happened while the work order was routed to this dealer,
        as a dealer may see them; None when there are more than ``limit`` in a
        stream (the client reloads).
        """
        missed: list[tuple[Manufacturer, RelayedEvent]] = []
        for place in self.places.values():
            manufacturer = place.manufacturer
            if manufacturer_code is not None and manufacturer.code != manufacturer_code:
                continue
            stream = str(manufacturer.hotline_id)
            if stream not in since:
                continue
            filters: dict[str, Any] = {"event__dealer_id": self.dealer.pk}
            if number is not None:
                filters["event__work_order__number"] = number
            with tenant_context(manufacturer.hotline):
                rows = relayed_after(since[stream], limit=limit, **filters)
            if rows is None:
                return None
            for row in rows:
                row.event.data = dealer_view(row.event.data)
                missed.append((manufacturer, row))
        return missed

    def positions(self, *, inbox: bool = False) -> dict[str, int]:
        """Per manufacturer's stream, the last relayed position: a page rendered now is current
        to it; with ``inbox``, the last one relayed to this dealer's inbox."""
        out = {}
        for place in self.places.values():
            with tenant_context(place.manufacturer.hotline):
                out[str(place.manufacturer.hotline_id)] = feed_position(self.dealer.pk if inbox else None)
        return out

    def kpis(self, *, since: dt.datetime, until: dt.datetime, time_zone: Any) -> list[dict]:
        """The dealer's own figures: each network's ``kpi_rows`` for this dealer."""
        out = []
        for place in self.places.values():
            manufacturer = place.manufacturer
            with tenant_context(manufacturer.hotline):
                rows = kpi_rows(
                    group="dealer", since=since, until=until, time_zone=time_zone, dealer_id=self.dealer.pk
                )
            out.extend({**row, "manufacturer": manufacturer.name} for row in rows)
        return out

    def satisfaction(self, *, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
        """The satisfaction figures (``hotline.satisfaction``) of the work orders routed here and
        received in the period: in total, per manufacturer, per service advisor (whom the work
        order is assigned to here), each manufacturer's weakest questionnaire items, and the
        failed callbacks."""
        facts, per_manufacturer, weakest, failed = [], [], [], []
        for place in self.places.values():
            manufacturer = place.manufacturer
            with tenant_context(manufacturer.hotline):
                mine = callback_facts(
                    since=since,
                    until=until,
                    dealer_id=self.dealer.pk,
                    work_orders=WorkOrder.objects.filter(self.visible(manufacturer)),
                )
                items = weakest_items(mine)
            assignees = dict(
                Assignment.objects.filter(
                    manufacturer_id=manufacturer.pk, work_order_id__in=[f.work_order_id for f in mine]
                ).values_list("work_order_id", "assignee_id")
            )
            for f in mine:
                f.assignee_id = assignees.get(f.work_order_id)
            facts.extend(mine)
            per_manufacturer.append({"manufacturer": manufacturer.name, **figures_of(mine)})
            weakest.extend({"manufacturer": manufacturer.name, **item} for item in items)
            failed.extend(
                {"manufacturer": manufacturer.name, "manufacturer_code": manufacturer.code, **row}
                for row in failed_callbacks(mine)
            )
        failed.sort(key=lambda r: r["last_at"], reverse=True)
        return {
            "totals": figures_of(facts),
            "per_manufacturer": per_manufacturer,
            "by_advisor": figures_by(facts, lambda f: f.assignee_id),
            "weakest": weakest,
            "failed": failed,
        }

    # --- actions ----------------------------------------------------------------------------

    def act(
        self,
        action: DealerAction | str,
        manufacturer_code: str,
        number: str,
        *,
        actor: Actor,
        **arguments: Any,
    ) -> Any:
        """Do one of the declared dealer actions (``dealers/actions.py``) on a work order routed here.

        Refused (``PermissionDenied``) to a role the action does not allow; a work
        order not routed here is ``Http404``. In one transaction: the hotline's
        service on the master record (it checks again, under the row lock, that the
        work order is still this dealer's), then the dealer's own rows.
        """
        if isinstance(action, str):
            action = DEALER_ACTIONS[action]
        require(actor, action.permission)
        manufacturer = self._manufacturer(manufacturer_code)
        arguments = action.arguments(manufacturer, arguments)
        with transaction.atomic():
            with tenant_context(manufacturer.hotline):
                work_order_id = (
                    WorkOrder.objects.filter(self.visible(manufacturer), number=number)
                    .values_list("pk", flat=True)
                    .first()
                )
                if work_order_id is None:
                    raise Http404
                result = None
                if action.service is not None:
                    # What is the dealer's alone (the person at fault) never reaches the hotline's schema.
                    shared = {k: v for k, v in arguments.items() if k not in action.own_only}
                    result = action.service(
                        work_order_id=work_order_id, dealer_id=self.dealer.pk, actor=actor, **shared
                    )
            if action.own is not None:
                ref = WorkOrderRef(self.dealer.pk, manufacturer.pk, work_order_id, number)
                own = (
                    {k: v for k, v in arguments.items() if k in action.own_only}
                    if action.own_only
                    else arguments
                )
                with tenant_context(self.dealer):  # the dealer's own rows, whoever called
                    own_result = action.own(ref=ref, actor=actor, **own)
                result = result if action.own_only else own_result
        return result

    # --- the conversation with the customer-service centre -----------------------------------

    def conversation(
        self, manufacturer_code: str, number: str, *, reader: tuple[int, int] | None, mark_read: bool = False
    ) -> Conversation:
        """This dealer's conversation with the hotline on a work order routed here, as ``reader``
        (tenant id, user id) sees it, with the people who may be mentioned; ``mark_read``: the
        reader has now read it all (what was new to them stays marked in the answer)."""
        manufacturer = self._manufacturer(manufacturer_code)
        with tenant_context(manufacturer.hotline):
            work_order = WorkOrder.objects.get(pk=self._routed_id(manufacturer, number))
            view = conversation_of(
                work_order, reader=reader, dealer_id=self.dealer.pk, hotline=manufacturer.hotline
            )
            if mark_read and reader is not None:
                conversation_mark_read(
                    work_order=work_order, tenant_id=reader[0], user_id=reader[1], dealer_id=self.dealer.pk
                )
        return view

    def message_post(
        self,
        manufacturer_code: str,
        number: str,
        *,
        actor: Actor,
        text: str,
        mentions: list[int],
        files: Sequence[Any] = (),
    ) -> Message:
        """A message to the hotline in the conversation on a work order routed here (404 else);
        the hotline's service checks again, under the row lock, that it is still routed here."""
        require(actor, "dealer.message")
        manufacturer = self._manufacturer(manufacturer_code)
        with transaction.atomic(), tenant_context(manufacturer.hotline):
            message = message_post(
                work_order_id=self._routed_id(manufacturer, number),
                actor=actor,
                text=text,
                mentions=mentions,
                dealer_id=self.dealer.pk,
                files=files,
            )
            prefetch_related_objects([message], "mentions")  # read here, in the hotline's schema
        return message

    def lock_version(self, manufacturer_code: str, number: str) -> int:
        """Lock a work order this dealer may act on, in the caller's transaction; its version.

        Lets a caller compare the version a client last read (``If-Match``) with
        the current one while no one else can change it; 404 otherwise.
        """
        manufacturer = self._manufacturer(manufacturer_code)
        with tenant_context(manufacturer.hotline):
            version = (
                WorkOrder.objects.select_for_update()
                .filter(self.visible(manufacturer), number=number)
                .values_list("version", flat=True)
                .first()
            )
        if version is None:
            raise Http404
        return version
