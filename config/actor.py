"""Who does something: the one value every service records with a change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who does something, and for which tenant (a hotline, a dealer, a parts centre, the system)."""

    user_id: int | None
    name: str
    tenant_id: int | None
    role: str = ""

    @classmethod
    def system(cls) -> Actor:
        return _SYSTEM

    @classmethod
    def of(cls, user: Any, membership: Any) -> Actor:
        return cls(
            user_id=user.pk, name=user.get_full_name(), tenant_id=membership.tenant_id, role=membership.role
        )


_SYSTEM = Actor(user_id=None, name="system", tenant_id=None, role="system")
