"""Key files kept outside both databases: written once, whole, readable by their owner only."""

import os
import tempfile
from pathlib import Path


def create_once(path: Path, text: str) -> None:
    """Write a private file (owner only) unless it exists. It is written to a temporary file and linked into
    place, so it appears whole or not at all; when two processes start together, the first link wins and both
    read that file."""
    if path.exists():
        return
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
