from .api_keys import ApiKey, ApiKeyKind, ApiKeyScope, IdempotencyRecord
from .identity import ROLES_BY_TENANT_TYPE, Membership, Role, User
from .network import Manufacturer, NetworkMembership, PartsCentre, Region, WebhookBacklog
from .tenant import Domain, Tenant, TenantType
from .views import SavedView

__all__ = [
    "ROLES_BY_TENANT_TYPE",
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
    "SavedView",
    "Tenant",
    "TenantType",
    "User",
    "WebhookBacklog",
]
