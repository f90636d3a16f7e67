from .api_keys import ApiKey, ApiKeyKind, ApiKeyScope, IdempotencyRecord
from .audit import AuthEvent, AuthEventKind
from .identity import ROLES_BY_TENANT_TYPE, Membership, Role, User
from .invitations import Invitation, NetworkInvitation
from .jobs import BackgroundJob, JobState
from .network import Manufacturer, NetworkMembership, PartsCentre, Region, WebhookBacklog
from .tenant import Domain, Tenant, TenantType
from .views import SavedView

__all__ = [
    "ROLES_BY_TENANT_TYPE",
    "ApiKey",
    "ApiKeyKind",
    "ApiKeyScope",
    "AuthEvent",
    "AuthEventKind",
    "BackgroundJob",
    "Domain",
    "IdempotencyRecord",
    "Invitation",
    "JobState",
    "Manufacturer",
    "Membership",
    "NetworkInvitation",
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
