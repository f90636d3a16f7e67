"""Who may do what: the one declared matrix of role × action and API-key scope × action.

Every action a person or a machine can take is named here once, with the type
of tenant it belongs to, the roles that may take it there, and the kinds of API
key that may (a key of ``read`` scope only for actions that change nothing).
Services refuse an actor the matrix does not allow (``require``), the portals
offer only the allowed actions (``allowed_actions``, in every template as
``allowed``), and the API's permission class reads the same cells
(``tenants.api.permissions.Declared``). ``tests/tenants/test_permissions.py``
walks every cell through the real entry points and fails on any that differs.

Roles hold in one tenant only: a member of another tenant is not "a role
without the right" here but a stranger, who gets the same 404 as for anything
that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .models.api_keys import ApiKeyKind, ApiKeyScope
from .models.identity import Role
from .models.tenant import TenantType

R = Role
HOTLINE_STAFF = frozenset({R.HOTLINE_AGENT, R.HOTLINE_SUPERVISOR, R.HOTLINE_ADMIN})
HOTLINE_SUPERVISORS = frozenset({R.HOTLINE_SUPERVISOR, R.HOTLINE_ADMIN})
HOTLINE_ADMINS = frozenset({R.HOTLINE_ADMIN})
DEALER_STAFF = frozenset(
    {
        R.DEALER_CRM_MANAGER,
        R.SERVICE_ADVISOR,
        R.SERVICE_MANAGER,
        R.PARTS_CLERK,
        R.GENERAL_MANAGER,
        R.SERVICE_DIRECTOR,
        R.CALLBACK_SPECIALIST,
        R.RECEPTIONIST,
    }
)
# The dealer's senior management (总经理, 服务总监): they answer major complaints.
DEALER_SENIOR = frozenset({R.GENERAL_MANAGER, R.SERVICE_DIRECTOR})
# Who administers a dealer tenant: its staff and roles, its networks, its audit log.
DEALER_ADMINS = frozenset({R.GENERAL_MANAGER, R.DEALER_CRM_MANAGER})
# Who runs the complaint at the dealer: contacts the owner, reports it resolved.
DEALER_HANDLERS = frozenset(
    {R.DEALER_CRM_MANAGER, R.SERVICE_ADVISOR, R.SERVICE_MANAGER, R.SERVICE_DIRECTOR, R.GENERAL_MANAGER}
)
# Who calls the owner back after resolution (回访): the callback specialists and the handlers.
DEALER_CALLBACKS = DEALER_HANDLERS | {R.CALLBACK_SPECIALIST}
# Who decides for the dealer: assignment, more time, another dealer.
DEALER_MANAGERS = frozenset({R.DEALER_CRM_MANAGER, R.SERVICE_MANAGER, R.SERVICE_DIRECTOR, R.GENERAL_MANAGER})
# Who handles parts: the stock check, the parts-centre request, the receipt.
DEALER_PARTS = frozenset({R.DEALER_CRM_MANAGER, R.PARTS_CLERK, R.SERVICE_MANAGER, R.SERVICE_DIRECTOR})
# Who attaches photos and documents to a work order: whoever works it, parts included.
DEALER_ATTACH = DEALER_HANDLERS | {R.PARTS_CLERK, R.CALLBACK_SPECIALIST}
OPERATORS = frozenset({R.PLATFORM_OPERATOR})
# A regional parts centre's own people (配件分中心): members of the manufacturer's hotline tenant
# who hold their role for one centre (``Membership.parts_centre``) and see its requests only.
PARTS_CENTRE_PEOPLE = frozenset({R.PARTS_CENTRE_STAFF})

# Machines: an API key is "<kind>" (parts_centre, integration); its scope limits it to reads.
PARTS_CENTRE = ApiKeyKind.PARTS_CENTRE.value
INTEGRATION = ApiKeyKind.INTEGRATION.value
KEY_KINDS = frozenset({PARTS_CENTRE, INTEGRATION})


@dataclass(frozen=True)
class Permission:
    """One action: where it exists, who may take it, and whether it changes anything."""

    name: str
    tenant_type: str
    roles: frozenset[str]
    label: object
    keys: frozenset[str] = frozenset()
    writes: bool = True


def _p(
    name: str,
    tenant_type: str,
    roles: frozenset[str],
    label: object,
    keys: frozenset[str] = frozenset(),
    *,
    writes: bool = True,
) -> Permission:
    return Permission(name, tenant_type, frozenset(str(r) for r in roles), label, keys, writes)


H, D, P = TenantType.HOTLINE.value, TenantType.DEALER.value, TenantType.PUBLIC.value
NO_ONE: frozenset[str] = frozenset()

PERMISSIONS: dict[str, Permission] = {
    p.name: p
    for p in (
        # --- a manufacturer's customer-service centre ---------------------------------------
        _p(
            "work_order.read",
            H,
            HOTLINE_STAFF,
            _lazy("Read work orders"),
            frozenset({INTEGRATION}),
            writes=False,
        ),
        _p("work_order.create", H, HOTLINE_STAFF, _lazy("Record a work order"), frozenset({INTEGRATION})),
        _p("work_order.callback", H, HOTLINE_STAFF, _lazy("Record a callback"), frozenset({INTEGRATION})),
        _p("owner.number_verify", H, HOTLINE_STAFF, _lazy("Verify an owner's number")),
        _p("work_order.reopen", H, HOTLINE_STAFF, _lazy("Reopen a work order"), frozenset({INTEGRATION})),
        # The hotline's own notes (never shown to the dealer) and the owner's calls about a work order.
        _p("work_order.note", H, HOTLINE_STAFF, _lazy("Add a hotline note"), frozenset({INTEGRATION})),
        _p(
            "work_order.owner_call",
            H,
            HOTLINE_STAFF,
            _lazy("Log a call from the owner"),
            frozenset({INTEGRATION}),
        ),
        # Files on a work order (photos, PDFs, office documents): attach, take off one's own; a
        # supervisor takes off anyone's (in the service only: the same address as one's own).
        _p("work_order.attach", H, HOTLINE_STAFF, _lazy("Attach files"), frozenset({INTEGRATION})),
        _p("work_order.attachment_remove", H, HOTLINE_STAFF, _lazy("Remove a file one attached")),
        _p("work_order.attachment_remove_any", H, HOTLINE_SUPERVISORS, _lazy("Remove anyone's file")),
        # The conversation with the dealer on a work order (shared with it, unlike the notes).
        _p(
            "work_order.message",
            H,
            HOTLINE_STAFF,
            _lazy("Write to the dealer in the conversation"),
            frozenset({INTEGRATION}),
        ),
        # The customer-service department's review of a closed work order's conclusion (客服部复核意见).
        _p(
            "work_order.review",
            H,
            HOTLINE_STAFF,
            _lazy("Record the review opinion"),
            frozenset({INTEGRATION}),
        ),
        _p("work_order.cancel", H, HOTLINE_SUPERVISORS, _lazy("Cancel a work order")),
        _p("work_order.close", H, HOTLINE_SUPERVISORS, _lazy("Close without a callback")),
        _p("work_order.reassign", H, HOTLINE_SUPERVISORS, _lazy("Reassign to another dealer")),
        _p("transfer.decide", H, HOTLINE_SUPERVISORS, _lazy("Decide a transfer request")),
        _p("extension.decide", H, HOTLINE_SUPERVISORS, _lazy("Decide an extension request")),
        # Severity and category after intake: supervisors change them, and decide a dealer's request.
        _p("work_order.reclassify", H, HOTLINE_SUPERVISORS, _lazy("Reclassify severity and category")),
        _p("upgrade.decide", H, HOTLINE_SUPERVISORS, _lazy("Decide a request to make it a major complaint")),
        # The manufacturer's technical support answers a dealer's question through the hotline.
        _p(
            "tech_support.answer",
            H,
            HOTLINE_STAFF,
            _lazy("Answer or close a technical-support request"),
            frozenset({INTEGRATION}),
        ),
        _p("kpis.read", H, HOTLINE_STAFF, _lazy("Read the KPIs"), frozenset({INTEGRATION}), writes=False),
        _p("policy.change", H, HOTLINE_ADMINS, _lazy("Change the SLA policy and calendar")),
        _p("callback_policy.change", H, HOTLINE_ADMINS, _lazy("Change the callback policy")),
        _p("sms.change", H, HOTLINE_ADMINS, _lazy("Change the texts to owners")),
        _p("questionnaire.change", H, HOTLINE_ADMINS, _lazy("Change the callback questionnaires")),
        _p("callback_script.change", H, HOTLINE_ADMINS, _lazy("Change the callback script")),
        _p("root_causes.change", H, HOTLINE_ADMINS, _lazy("Change the list of root causes")),
        _p("network.manage", H, HOTLINE_ADMINS, _lazy("Manage the network")),
        _p("api_keys.manage", H, HOTLINE_ADMINS, _lazy("Manage API keys")),
        _p("webhooks.manage", H, HOTLINE_ADMINS, _lazy("Manage webhooks")),
        _p("robots.manage", H, HOTLINE_ADMINS, _lazy("Manage group-chat robots")),
        # A parts centre's requests: its systems through its key, its people on its portal.
        _p(
            "parts.read",
            H,
            PARTS_CENTRE_PEOPLE,
            _lazy("Read parts-support requests"),
            frozenset({PARTS_CENTRE}),
            writes=False,
        ),
        _p(
            "parts.work",
            H,
            PARTS_CENTRE_PEOPLE,
            _lazy("Work parts-support requests"),
            frozenset({PARTS_CENTRE}),
        ),
        # The telephony system reports calls; agents see their callers and return missed calls.
        _p("telephony.push", H, NO_ONE, _lazy("Report telephony calls"), frozenset({INTEGRATION})),
        _p("calls.read", H, HOTLINE_STAFF, _lazy("See incoming calls"), writes=False),
        _p("calls.return", H, HOTLINE_STAFF, _lazy("Mark a missed call called back")),
        _p("telephony.manage", H, HOTLINE_ADMINS, _lazy("Manage agents' extensions")),
        # --- a dealer -----------------------------------------------------------------------
        _p("inbox.read", D, DEALER_STAFF, _lazy("Read the inbox"), frozenset({INTEGRATION}), writes=False),
        _p("dealer.contact", D, DEALER_HANDLERS, _lazy("Record a contact"), frozenset({INTEGRATION})),
        _p("dealer.assign", D, DEALER_MANAGERS, _lazy("Assign"), frozenset({INTEGRATION})),
        _p(
            "dealer.tech_support",
            D,
            DEALER_HANDLERS,
            _lazy("Ask the manufacturer's technical support"),
            frozenset({INTEGRATION}),
        ),
        _p("dealer.note", D, DEALER_STAFF, _lazy("Add an internal note"), frozenset({INTEGRATION})),
        # The dealer's files on a work order (the hotline sees them); its managers remove any of them.
        _p("dealer.attach", D, DEALER_ATTACH, _lazy("Attach files"), frozenset({INTEGRATION})),
        _p("dealer.attachment_remove", D, DEALER_ATTACH, _lazy("Remove a file one attached")),
        _p("dealer.attachment_remove_any", D, DEALER_MANAGERS, _lazy("Remove any of our files")),
        # The conversation with the customer-service centre: everyone here who sees the work order.
        _p(
            "dealer.message",
            D,
            DEALER_STAFF,
            _lazy("Write to the customer-service centre in the conversation"),
            frozenset({INTEGRATION}),
        ),
        _p("dealer.stock", D, DEALER_PARTS, _lazy("Record the stock check"), frozenset({INTEGRATION})),
        _p("dealer.parts", D, DEALER_PARTS, _lazy("Ask the parts centre"), frozenset({INTEGRATION})),
        _p("dealer.received", D, DEALER_PARTS, _lazy("Confirm parts received"), frozenset({INTEGRATION})),
        _p("dealer.resolve", D, DEALER_HANDLERS, _lazy("Report resolved"), frozenset({INTEGRATION})),
        _p(
            "dealer.digest",
            D,
            frozenset({R.GENERAL_MANAGER}),
            _lazy("Receive the daily digest of new complaints"),
        ),
        _p("dealer.repair", D, DEALER_HANDLERS, _lazy("Record the repair order"), frozenset({INTEGRATION})),
        _p(
            "dealer.hand_off",
            D,
            DEALER_MANAGERS,
            _lazy("Hand a complaint to a department"),
            frozenset({INTEGRATION}),
        ),
        _p(
            "dealer.department_answer",
            D,
            DEALER_HANDLERS | {R.PARTS_CLERK},  # the parts department's head may be its clerk
            _lazy("Record a department's answer"),
            frozenset({INTEGRATION}),
        ),
        _p(
            "dealer.progress",
            D,
            DEALER_HANDLERS,
            _lazy("Report progress to the customer-service centre"),
            frozenset({INTEGRATION}),
        ),
        _p(
            "dealer.arrival",
            D,
            DEALER_HANDLERS,
            _lazy("Promise the rescue's arrival time"),
            frozenset({INTEGRATION}),
        ),
        _p(
            "dealer.callback",
            D,
            DEALER_CALLBACKS,
            _lazy("Call the owner back after resolution"),
            frozenset({INTEGRATION}),
        ),
        _p("dealer.withdraw", D, DEALER_HANDLERS, _lazy("Withdraw the resolution"), frozenset({INTEGRATION})),
        _p("dealer.extension", D, DEALER_MANAGERS, _lazy("Ask for more time"), frozenset({INTEGRATION})),
        _p("dealer.transfer", D, DEALER_MANAGERS, _lazy("Ask for another dealer"), frozenset({INTEGRATION})),
        _p(
            "dealer.upgrade",
            D,
            DEALER_HANDLERS,
            _lazy("Ask to make it a major complaint"),
            frozenset({INTEGRATION}),
        ),
        # A first contact or an offered solution by senior management answers a major complaint.
        _p("dealer.senior_answer", D, DEALER_SENIOR, _lazy("Answer a major complaint")),
        # A contact recorded on a senior manager's behalf counts once that person confirms it.
        _p("dealer.senior_confirm", D, DEALER_SENIOR, _lazy("Confirm my answer to a major complaint")),
        _p(
            "dealer.kpis.read",
            D,
            DEALER_MANAGERS | {R.CALLBACK_SPECIALIST},
            _lazy("Read our KPIs"),
            writes=False,
        ),
        _p("networks.accept", D, DEALER_ADMINS, _lazy("Accept a network invitation")),
        # Roadside rescue: whether this dealer offers it in a network, its duty phone and position.
        _p("networks.rescue", D, DEALER_ADMINS, _lazy("Declare the 24-hour rescue service")),
        # --- every tenant: its people, roles and audit log ----------------------------------
        _p("staff.manage", H, HOTLINE_ADMINS, _lazy("Manage people and roles")),
        _p("audit.read", H, HOTLINE_ADMINS, _lazy("Read the sign-in audit log"), writes=False),
        _p("dealer.staff.manage", D, DEALER_ADMINS, _lazy("Manage people and roles")),
        _p("dealer.audit.read", D, DEALER_ADMINS, _lazy("Read the sign-in audit log"), writes=False),
        _p("dealer.robots.manage", D, DEALER_ADMINS, _lazy("Manage group-chat robots")),
        # --- the platform -------------------------------------------------------------------
        _p("platform.dealers.create", P, OPERATORS, _lazy("Create dealer tenants")),
        _p("platform.invitations.accept", P, OPERATORS, _lazy("Accept an invitation for a dealer")),
        _p("platform.audit.read", P, OPERATORS, _lazy("Read the sign-in audit log"), writes=False),
    )
}

# Roles whose sign-in needs a second factor (TOTP): whoever administers or supervises.
MFA_REQUIRED_ROLES = frozenset(
    str(r) for r in HOTLINE_SUPERVISORS | DEALER_ADMINS | OPERATORS | DEALER_SENIOR
)


# Roles held on a host for one part of it: the address of their portal (their start page).
# Every other page of the host is refused them (403) but the ones every person shares.
CONFINED_ROLES = {str(R.PARTS_CENTRE_STAFF): "/parts-centre/"}
SHARED_PATHS = (
    "/login/",
    "/logout/",
    "/account/",
    "/switch/",
    "/invitations/",
    "/i18n/",
    "/jsi18n/",
    "/favicon.ico",
    "/api/v1/parts-centre/",  # the same requests through the API (the session's centre only)
)


def start_page(role: str) -> str | None:
    """The portal a confined role works in, or None: the role has the whole host's portal."""
    return CONFINED_ROLES.get(role)


def may_open(role: str, path: str) -> bool:
    """Whether a member in ``role`` may open ``path`` on their tenant's host at all."""
    home = CONFINED_ROLES.get(role)
    return home is None or path.startswith(home) or path.startswith(SHARED_PATHS)


def key_principal(kind: str, scope: str) -> str:
    """How an API key appears in the matrix: ``"integration:read"``, ``"parts_centre:write"``."""
    return f"{kind}:{scope}"


KEY_PRINCIPALS = frozenset(key_principal(k, s) for k in KEY_KINDS for s in ApiKeyScope.values)


def may(principal: str, action: str) -> bool:
    """Whether a role (or an API key, as ``"<kind>:<scope>"`` or its kind alone) may take ``action``.

    An unknown action is never allowed. A key named by its kind alone is a key
    acting through a service, which the API let through with its scope checked.
    """
    permission = PERMISSIONS.get(action)
    if permission is None or not principal:
        return False
    if principal in permission.roles:
        return True
    kind, _sep, scope = principal.partition(":")
    if kind not in permission.keys:
        return False
    return not scope or scope == ApiKeyScope.WRITE or not permission.writes


def allowed_actions(principal: str) -> frozenset[str]:
    """Every action ``principal`` may take: what a portal offers them."""
    return frozenset(name for name in PERMISSIONS if may(principal, name))


def require(actor: object, action: str) -> None:
    """Refuse (``PermissionDenied``) an actor whose role the matrix does not allow ``action``."""
    if not may(getattr(actor, "role", "") or "", action):
        raise PermissionDenied(
            _("Your role may not do this: %(action)s.") % {"action": PERMISSIONS[action].label}
        )


def roles_allowed(action: str) -> frozenset[str]:
    return PERMISSIONS[action].roles


def mfa_required(role: str) -> bool:
    return role in MFA_REQUIRED_ROLES
