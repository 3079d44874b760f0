"""A service's lists of lines that administrators keep (risk terms, canned reasons): adding lines, spaces tidied,
without repeats."""

import sqlalchemy as sa

from console.errors import UserError
from console.extensions import db
from console.services.models import Service


def add_lines(service: Service, model, kind: tuple[str, str], text_column: str, lines, longest: int) -> int:
    """Put lines of text on one of a service's lists (risk terms, canned reasons: `model`, whose `kind` is (its
    column, the list's value)), spaces tidied, leaving out those it has in any case; returns how many were new.
    The caller commits."""
    column, value = kind
    have = {getattr(row, text_column).casefold() for row in db.session.scalars(
        sa.select(model).where(model.service_id == service.id, getattr(model, column) == value))}
    added = 0
    for line in lines:
        text = " ".join(line.split())
        if not text:
            continue
        if len(text) > longest:
            raise UserError(f'"{text[:40]}..." is longer than {longest} characters.')
        if text.casefold() not in have:
            db.session.add(model(service_id=service.id, **{column: value, text_column: text}))
            have.add(text.casefold())
            added += 1
    return added

