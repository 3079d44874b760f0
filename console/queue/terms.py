"""A service's risk word lists: the critical and risk phrases its posts are matched against (console.queue.matching),
the defaults every new service starts with (console.queue.lexicon), and an administrator's changes to them."""

import sqlalchemy as sa

from console.audit import service as audit
from console.errors import UserError, child_or_404
from console.extensions import db
from console.queue.lexicon import DEFAULT_TERMS
from console.queue.lists import add_lines
from console.queue.models import RiskTerm
from console.services.models import Service

LISTS = ("critical", "risk")


def terms_of(service: Service) -> dict[str, list[RiskTerm]]:
    """A service's terms by list, alphabetically."""
    rows = db.session.scalars(sa.select(RiskTerm).where(RiskTerm.service_id == service.id)
                              .order_by(RiskTerm.phrase)).all()
    return {name: [r for r in rows if r.list == name] for name in LISTS}



def phrases_of(service: Service) -> tuple[tuple[str, str], ...]:
    """A service's terms as the matcher takes them: (phrase, list), in the order added."""
    rows = db.session.execute(sa.select(RiskTerm.phrase, RiskTerm.list).where(RiskTerm.service_id == service.id)
                              .order_by(RiskTerm.id)).all()
    return tuple((phrase, name) for phrase, name in rows)



def _add_phrases(service: Service, list_name: str, phrases) -> int:
    """Put phrases on one of a service's risk word lists; returns how many were new. The caller commits."""
    return add_lines(service, RiskTerm, ("list", list_name), "phrase", phrases, 120)


def add_terms(service: Service, *, list_name: str, text: str) -> int:
    """Add terms, one per line, to a list; returns how many were new."""
    if list_name not in LISTS:
        raise UserError("Choose the critical or the risk list.")
    added = _add_phrases(service, list_name, text.splitlines())
    audit.record("risk_terms.added", target=f"service:{service.id}", details={"list": list_name, "added": added})
    db.session.commit()
    return added


def add_default_terms(service: Service) -> int:
    """Put the default lists' phrases (console.queue.lexicon) that a service lacks on its lists, in the caller's
    transaction (a new service starts with them); returns how many were new."""
    added = sum(_add_phrases(service, list_name, phrases) for list_name, phrases in DEFAULT_TERMS.items())
    audit.record("risk_terms.defaults_added", target=f"service:{service.id}", details={"added": added})
    return added


def restore_default_terms(service: Service) -> int:
    """Put back the default phrases a service's lists lack (an administrator's button); returns how many."""
    added = add_default_terms(service)
    db.session.commit()
    return added


def remove_term(service: Service, *, term_id: int) -> RiskTerm:
    """Take a term off its list."""
    term = child_or_404(RiskTerm, term_id, service_id=service.id,
                        missing="There is no term at this address on this service's lists.")
    db.session.delete(term)
    audit.record("risk_terms.removed", target=f"service:{service.id}", details={"list": term.list,
                                                                                "phrase": term.phrase})
    db.session.commit()
    return term

