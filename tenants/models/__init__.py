from .api_keys import ApiKey, ApiKeyKind, ApiKeyScope, IdempotencyRecord
from .identity import Membership, Role, User
from .network import Manufacturer, NetworkMembership, PartsCentre, Region, WebhookBacklog
from .tenant import Domain, Tenant, TenantType

__all__ = [
    "ApiKey",
    "ApiKeyKind",
    "ApiKeyScope",
    "Domain",
    "IdempotencyRecord",
    "Manufacturer",
    "Membership",
    "NetworkMembership",
    "PartsCentre",
    "Region",
    "Role",
    "Tenant",
    "TenantType",
    "User",
    "WebhookBacklog",
]
