"""Small builders for test data, going through the same services the console uses."""

from console.accounts import service as accounts
from console.accounts.passwords import hash_password
from console.extensions import db
from console.permissions import Role
from console.services import service as services

PASSWORD = "correct-horse-battery"


def make_service(name: str = "Eating disorders", slug: str = "eating-disorders", risk_tier: str = "high"):
    """A service, created as an administrator would."""
    return services.create(name=name, slug=slug, risk_tier=risk_tier, area="Berkshire",
                           mailbox=f"{slug}@trust.example.org")


def make_staff(email: str = "alex.moderator@trust.example.org", *, roles=(Role.NON_CLINICAL_MODERATOR,),
               services_=(), password: str | None = PASSWORD, mfa_secret: str | None = None,
               name: str = "Alex Moderator"):
    """A staff member with a password already chosen (unless password=None, as if only invited)."""
    staff = accounts.create(name=name, email=email, roles=roles, service_ids=[s.id for s in services_], actor=None)
    staff.password_hash = hash_password(password) if password else None
    staff.mfa_secret = mfa_secret
    db.session.commit()
    return staff
