"""Who is told of which work-order event, by default.

Dealer staff on duty: a new, transferred or reopened work order, warnings and
breaches of their work orders, parts-centre progress. The dealer's managers
and general manager: escalations, as the policy names them. The hotline agent
who recorded the work order: the dealer's first contact and its resolution.
Hotline supervisors: escalations past the first level, transfer and extension
requests. Callback windows are the hotline's own: their warnings go to the
agent, their breaches to the supervisors.
"""

from __future__ import annotations

from collections.abc import Iterable

from tenants.models import Membership, Role

ON_DUTY = (Role.DEALER_CRM_MANAGER, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER)
PARTS = (*ON_DUTY, Role.PARTS_CLERK)
SUPERVISORS = (Role.HOTLINE_SUPERVISOR,)

DEALER_NEWS = {
    "work_order.dispatched",
    "work_order.transferred",
    "work_order.reopened",
    "work_order.parts_unavailable",
}
PARTS_NEWS = {
    "parts.acknowledged",
    "parts.line_allocated",
    "parts.line_back_ordered",
    "parts.line_shipped",
    "parts.line_rejected",
}
AGENT_NEWS = {"work_order.first_contact", "work_order.resolved"}
SUPERVISOR_NEWS = {"transfer.requested", "extension.requested"}


MemberCache = dict[tuple[int, frozenset[str]], set[int]]


def recipients(
    kind: str,
    data: dict,
    *,
    hotline_id: int,
    dealer_id: int | None,
    created_by_id: int,
    cache: MemberCache | None = None,
) -> list[tuple[int, int]]:
    """(tenant id, user id) pairs to tell, for one event (no dealer: the hotline's only)."""
    cache = {} if cache is None else cache

    def _members(tenant_id: int | None, roles: Iterable[str]) -> set[int]:
        if tenant_id is None:
            return set()
        key = (tenant_id, frozenset(roles))
        if key not in cache:
            cache[key] = set(
                Membership.objects.filter(
                    tenant_id=tenant_id,
                    role__in=list(key[1]),
                    is_active=True,
                ).values_list("user_id", flat=True)
            )
        return cache[key]

    dealer: set[int] = set()
    hotline: set[int] = set()
    clock_kind = data.get("clock_kind")
    if kind in DEALER_NEWS:
        dealer |= _members(dealer_id, ON_DUTY)
    elif kind in PARTS_NEWS:
        dealer |= _members(dealer_id, PARTS)
    elif kind in AGENT_NEWS:
        hotline.add(created_by_id)
    elif kind in SUPERVISOR_NEWS:
        hotline |= _members(hotline_id, SUPERVISORS)
    elif kind == "clock.warning":
        if clock_kind == "callback":
            hotline.add(created_by_id)
        else:
            dealer |= _members(dealer_id, ON_DUTY)
    elif kind in ("clock.breached", "clock.escalated"):
        roles = set(data.get("escalate_to") or ())
        if clock_kind == "callback":
            hotline |= {created_by_id} if kind == "clock.breached" else _members(hotline_id, SUPERVISORS)
        else:
            dealer |= _members(
                dealer_id,
                roles
                & {r.value for r in Role if r.value.startswith(("dealer", "service", "general", "parts"))},
            )
            hotline |= _members(hotline_id, roles & set(SUPERVISORS))
    # Only people who still work there.
    hotline &= _members(hotline_id, {r.value for r in Role})
    dealer_pairs = [(dealer_id, u) for u in sorted(dealer)] if dealer_id is not None else []
    return dealer_pairs + [(hotline_id, u) for u in sorted(hotline)]
