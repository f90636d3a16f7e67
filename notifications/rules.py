"""Who is told: an audience names roles, and this resolves it to the people who hold them.

Each kind of work-order event declares its audience in the event catalogue
(``hotline/events.py``): roles in the dealer the work order was routed to,
roles in the manufacturer's hotline, and whether the agent who recorded the
work order is told. Here an audience becomes (tenant, person) pairs, among the
people who still hold a role there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tenants.models import ROLES_BY_TENANT_TYPE, Membership, Role, TenantType
from tenants.permissions import DEALER_SENIOR

# Dealer staff on duty for a work order; with the parts clerk for parts-centre progress.
DEALER_ON_DUTY = frozenset({Role.DEALER_CRM_MANAGER, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER})
DEALER_PARTS = DEALER_ON_DUTY | {Role.PARTS_CLERK}
HOTLINE_SUPERVISORS = frozenset({Role.HOTLINE_SUPERVISOR})
# Who is warned that the dealer's own callback window runs out.
DEALER_CALLBACK_DUTY = frozenset({Role.DEALER_CRM_MANAGER, Role.CALLBACK_SPECIALIST})
DEALER_CRM = frozenset({Role.DEALER_CRM_MANAGER})
# Who at the dealer hears of a major complaint (重大投诉) at once: senior management (the declared
# set, ``tenants/permissions.py``) and the service manager.
MAJOR_COMPLAINT_DEALER = frozenset({str(r) for r in DEALER_SENIOR} | {Role.SERVICE_MANAGER})


@dataclass(frozen=True)
class Audience:
    """Who is told of one event."""

    dealer_roles: frozenset[str] = frozenset()
    hotline_roles: frozenset[str] = frozenset()
    recorder: bool = False  # the hotline agent who recorded the work order
    caller: bool = False  # the person whose action appended the event (a reminder to them)
    dealer_users: frozenset[int] = frozenset()  # named people of the dealer, while they still work there
    assignee: bool = False  # the dealer's person the work order is assigned to, if any
    hotline_users: frozenset[int] = frozenset()  # named people of the hotline, while they still work there

    def __or__(self, other: Audience) -> Audience:
        return Audience(
            dealer_roles=self.dealer_roles | other.dealer_roles,
            hotline_roles=self.hotline_roles | other.hotline_roles,
            recorder=self.recorder or other.recorder,
            caller=self.caller or other.caller,
            dealer_users=self.dealer_users | other.dealer_users,
            assignee=self.assignee or other.assignee,
            hotline_users=self.hotline_users | other.hotline_users,
        )

    @classmethod
    def escalation(cls, roles: Iterable[str]) -> Audience:
        """The roles a missed window escalates to, each in its own tenant."""
        roles = set(roles)
        return cls(
            dealer_roles=frozenset(roles & ROLES_BY_TENANT_TYPE[TenantType.DEALER]),
            hotline_roles=frozenset(roles & HOTLINE_SUPERVISORS),
        )

    @property
    def is_nobody(self) -> bool:
        return not (
            self.dealer_roles
            or self.hotline_roles
            or self.recorder
            or self.caller
            or self.dealer_users
            or self.assignee
            or self.hotline_users
        )


NOBODY = Audience()

MemberCache = dict[tuple[int, frozenset[str]], set[int]]


def recipients(
    audience: Audience,
    *,
    hotline_id: int,
    dealer_id: int | None,
    created_by_id: int,
    cache: MemberCache | None = None,
    caller: tuple[int, int] | None = None,
    assignee: int | None = None,
) -> list[tuple[int, int]]:
    """(tenant id, user id) pairs to tell (no dealer: the hotline's people only)."""
    cache = {} if cache is None else cache

    def _members(tenant_id: int | None, roles: Iterable[str]) -> set[int]:
        if tenant_id is None:
            return set()
        key = (tenant_id, frozenset(roles))
        if key not in cache:
            cache[key] = set(
                Membership.objects.filter(
                    tenant_id=tenant_id, role__in=list(key[1]), is_active=True
                ).values_list("user_id", flat=True)
            )
        return cache[key]

    if audience.is_nobody:
        return []
    dealer = set(_members(dealer_id, audience.dealer_roles))
    if audience.dealer_users:
        dealer |= audience.dealer_users & _members(dealer_id, {r.value for r in Role})
    if audience.assignee and assignee is not None and dealer_id is not None:
        # Only while they still work at the dealer.
        dealer |= {assignee} & _members(dealer_id, {r.value for r in Role})
    hotline = set(_members(hotline_id, audience.hotline_roles))
    if audience.recorder:
        hotline.add(created_by_id)
    hotline |= audience.hotline_users
    # Only people who still work there.
    hotline &= _members(hotline_id, {r.value for r in Role})
    dealer_pairs = [(dealer_id, u) for u in sorted(dealer)] if dealer_id is not None else []
    pairs = dealer_pairs + [(hotline_id, u) for u in sorted(hotline)]
    if audience.caller and caller is not None and caller not in pairs:
        tenant_id, user_id = caller
        # Only while they still work there, and only in this work order's hotline or dealer.
        if tenant_id in (hotline_id, dealer_id) and user_id in _members(tenant_id, {r.value for r in Role}):
            pairs.append(caller)
    return pairs
