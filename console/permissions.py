"""Roles, the one table of capabilities, and the decorators routes use to declare them."""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from flask_login import current_user

from console.errors import NotAllowed
from console.extensions import login_manager
from console.words import listed


class Role(StrEnum):
    """The roles of the seed service model."""

    OWNER = "owner"
    CLINICAL_ADMIN = "clinical_admin"
    NON_CLINICAL_ADMIN = "non_clinical_admin"
    TEAM_MANAGER = "team_manager"
    CLINICAL_MODERATOR = "clinical_moderator"
    NON_CLINICAL_MODERATOR = "non_clinical_moderator"
    PEER_MODERATOR = "peer_moderator"
    DIGITAL_CHAMPION = "digital_champion"
    VOLUNTEER = "volunteer"

    @property
    def label(self) -> str:
        """The role as staff read it."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.OWNER: "Owner",
    Role.CLINICAL_ADMIN: "Clinical administrator",
    Role.NON_CLINICAL_ADMIN: "Non-clinical administrator",
    Role.TEAM_MANAGER: "Team manager",
    Role.CLINICAL_MODERATOR: "Clinical moderator",
    Role.NON_CLINICAL_MODERATOR: "Non-clinical moderator",
    Role.PEER_MODERATOR: "Peer moderator",
    Role.DIGITAL_CHAMPION: "Digital champion",
    Role.VOLUNTEER: "Volunteer",
}

ALL_ROLES = frozenset(Role)
ADMINISTRATORS = frozenset({Role.OWNER, Role.CLINICAL_ADMIN, Role.NON_CLINICAL_ADMIN})
CLINICAL_ROLES = frozenset({Role.CLINICAL_ADMIN, Role.CLINICAL_MODERATOR})
MODERATING_ROLES = frozenset({
    Role.CLINICAL_MODERATOR, Role.NON_CLINICAL_MODERATOR, Role.PEER_MODERATOR,
    Role.DIGITAL_CHAMPION, Role.VOLUNTEER,
})

ROTA_MANAGERS = frozenset({Role.OWNER, Role.TEAM_MANAGER})
PEER_ROLES = frozenset({Role.PEER_MODERATOR, Role.DIGITAL_CHAMPION, Role.VOLUNTEER})

# How senior a role is where one person's decision may be undone only by someone at least as senior (showing a post
# again that someone hid): clinical staff, then the other staff, then peer moderators, digital champions and
# volunteers, who are of one rank.
SENIORITY: dict[Role, int] = {role: 3 if role in CLINICAL_ROLES else 1 if role in PEER_ROLES else 2 for role in Role}

# Owners, administrators and clinical staff can reach sensitive data: a password alone is not enough.
MFA_REQUIRED_ROLES = ADMINISTRATORS | CLINICAL_ROLES

# The one table of who may do what. A route names the capability it needs; nothing else decides.
CAPABILITIES: dict[str, frozenset[Role]] = {
    "account.self": ALL_ROLES,  # own dashboard, account, MFA and password
    "services.view": ALL_ROLES,  # services the person belongs to
    "services.view_all": ADMINISTRATORS,  # every service of the trust
    "staff.view": ADMINISTRATORS | {Role.TEAM_MANAGER},
    "admin.services": ADMINISTRATORS,
    # Where a service's decisions go, and with which key: a Discourse forum's API key usually reaches every member's
    # email and IP address, so it is kept with the roles trusted with identities (the deliveries page and "Send
    # again", which go only where the key was given for, stay with every administrator).
    "platform.connect": frozenset({Role.OWNER, Role.CLINICAL_ADMIN}),
    "admin.staff": ADMINISTRATORS,
    "audit.view": ADMINISTRATORS,
    "rota.manage": ROTA_MANAGERS,  # make drafts, edit them, import and export rotas
    "rota.approve": ROTA_MANAGERS,  # the second pair of eyes: never the person who made the draft
    "rota.publish": ROTA_MANAGERS,
    "rota.mine": MODERATING_ROLES,  # own shifts, calendar subscription
    "queue.work": MODERATING_ROLES,
    # A post hidden while critical is shown again only by clinical staff, whoever hid it.
    "queue.show_critical_again": CLINICAL_ROLES,
    "queue.report": ADMINISTRATORS | {Role.TEAM_MANAGER},  # how fast each service's queue is worked
    # The checks page: its moderators record checks; team managers and owners, told when checks run late, read it.
    "queue.checks": MODERATING_ROLES | ROTA_MANAGERS,
    # Safety alerts of one's own services: moderators and team managers are in each service's alert chain.
    "alerts.respond": MODERATING_ROLES | ROTA_MANAGERS,
    "admin.scheduler": ADMINISTRATORS,  # what the scheduler's jobs did, and when they next run
    # Escalations: any moderator of the service works a case's checklist; clinical staff write notes, skip steps,
    # close cases and reveal identities; administrators edit the plans; clinical administrators answer subject
    # access and erasure requests.
    "case.work": MODERATING_ROLES | {Role.CLINICAL_ADMIN},
    "case.clinical": CLINICAL_ROLES,
    # The owner sees every open case of the trust (service, age, step, who works it; never who it is about).
    "case.oversee": frozenset({Role.OWNER}),
    "escalation.plans": ADMINISTRATORS,
    "pid.reveal": CLINICAL_ROLES,
    "pid.subject_rights": frozenset({Role.CLINICAL_ADMIN}),
    # Whether a reveal needs a second clinician is a clinical decision, not an administrative one: owners and
    # clinical administrators make a service's reveals wait for one; only an owner lets a service do without, with
    # a reason (and each reveal is then reviewed by a second clinician afterwards).
    "escalation.two_person_rule": frozenset({Role.OWNER, Role.CLINICAL_ADMIN}),
    "escalation.direct_reveal": frozenset({Role.OWNER}),
    # Who may give or take away which role (ROLE_GRANTS below): only owners make owners and administrators,
    # only owners and clinical administrators make clinical staff, any administrator the other roles.
    "roles.grant_administrative": frozenset({Role.OWNER}),
    "roles.grant_clinical": frozenset({Role.OWNER, Role.CLINICAL_ADMIN}),
    "roles.grant_other": ADMINISTRATORS,
}

# The capability needed to give a role to someone, or take it away. A role that is both administrative and
# clinical (clinical administrator) needs the narrower of the two.
ROLE_GRANTS: dict[Role, str] = {
    role: "roles.grant_administrative" if role in ADMINISTRATORS
    else "roles.grant_clinical" if role in CLINICAL_ROLES
    else "roles.grant_other"
    for role in Role
}

PUBLIC = "public"


def roles_with(capability: str) -> frozenset[Role]:
    """Return the roles holding a capability; an unknown name is a programming error."""
    return CAPABILITIES[capability]


def has_capability(roles: frozenset[Role], capability: str) -> bool:
    """Tell whether any of the roles holds the capability."""
    return bool(roles & roles_with(capability))


def most_senior(roles: frozenset[Role]) -> Role | None:
    """The most senior of the roles (SENIORITY; between equals, the first in Role's order), or None for none."""
    order = list(Role)
    return min(roles, key=lambda role: (-SENIORITY[role], order.index(role)), default=None)


def seniority(roles: frozenset[Role]) -> int:
    """How senior someone holding these roles is (SENIORITY of the most senior; 0 for none)."""
    return max((SENIORITY[role] for role in roles), default=0)


def grantable_roles(roles: frozenset[Role]) -> frozenset[Role]:
    """The roles someone holding these roles may give to (or take from) another person."""
    return frozenset(role for role, capability in ROLE_GRANTS.items() if has_capability(roles, capability))


def who_may(capability: str, roles: frozenset[Role], what: str = "this page", ask: bool = True) -> str:
    """Why a page is refused, in words: the roles that can open it, and whom to ask when an administrator could
    give the role ("Only clinical moderators and clinical administrators can open this page.")."""
    allowed = listed([ROLE_LABELS[role].lower() + "s" for role in Role if role in roles_with(capability)])
    ask = "" if not ask or roles & ADMINISTRATORS else " Ask an administrator if you need it."
    return f"Only {allowed} can open {what}.{ask}"


def requires(capability: str) -> Callable:
    """Declare the capability a view needs: anonymous users go to login, others get 403."""
    roles_with(capability)  # fail at import time on a misspelt capability

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(capability):
                raise NotAllowed(who_may(capability, current_user.roles))
            return view(*args, **kwargs)

        guarded.required_capability = capability
        return guarded

    return decorator


def public(view: Callable) -> Callable:
    """Declare that a view needs no login (sign-in pages, health checks, token links)."""
    view.required_capability = PUBLIC
    return view


def undeclared_endpoints(app) -> list[str]:
    """List endpoints whose view declares no capability (static files excepted)."""
    return sorted(
        endpoint for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "required_capability")
    )
