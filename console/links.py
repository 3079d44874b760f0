"""Links to the console for emails and pages: always from PUBLIC_URL, the address staff reach the console at,
never from the Host header of the request being answered (which anyone can set)."""

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter

# Record ids are 32-bit integers in PostgreSQL; an address with a larger number names nothing.
LARGEST_ID = 2**31 - 1


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in every route: a whole number up to LARGEST_ID, so a huge one is a 404, never a database
    error."""

    def __init__(self, url_map, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, **kwargs)


def public_url(endpoint: str, **values) -> str:
    """The full address of a console page, under PUBLIC_URL (which may include a path prefix)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def local_path(target: str | None) -> str | None:
    """The target if it is a path on this site, else None. Browsers drop tabs, newlines and other control
    characters from an address and read a backslash as a slash, so "/\t/evil.example" or "/\\evil.example" would
    take them to another site: such characters are removed first, and what is left must have no scheme and no
    host."""
    if not target:
        return None
    cleaned = "".join(ch for ch in target if ord(ch) > 0x20 and ord(ch) != 0x7F)
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//") or "\\" in cleaned:
        return None
    return cleaned


def back_to(referrer: str | None, default: str) -> str:
    """Where a form posted from a page returns to: that page's path on this site, or the default."""
    if not referrer:
        return default
    parts = urlsplit(referrer)
    return local_path(parts.path + (f"?{parts.query}" if parts.query else "")) or default
