"""Fixtures of the platform's tests: who decides (the one who sets the webhook is the shared `admin`, the demo's
clinical administrator), and name look-ups answered from a table so that no test asks a DNS server anything."""

import ipaddress
import socket

import pytest

from console.permissions import Role
from tests.helpers import AuthActions

REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture
def chloe(auth, demo_data) -> AuthActions:
    """A moderator of the demo low-risk service, signed in."""
    auth.login_demo(Role.NON_CLINICAL_MODERATOR)
    return auth


class FakeDNS:
    """socket.getaddrinfo answering names from a table, so no query leaves the machine: `answers[name]` is a list of
    answers, each a list of addresses; a look-up takes the first answer, and the next look-up the next one while
    there are more. Addresses written as addresses (and localhost) are answered as usual; any other name is not
    found. Every name looked up is noted in `asked`."""

    def __init__(self):
        self.answers: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name)
            return REAL_GETADDRINFO(host, port, family, type, proto, flags)
        except ValueError:
            pass
        self.asked.append(name)
        if name == "localhost":
            return REAL_GETADDRINFO(host, port, family, type, proto, flags)
        answers = self.answers.get(name)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        addresses = answers.pop(0) if len(answers) > 1 else answers[0]
        port = int(port or 0)
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)) if ":" in address else
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]


@pytest.fixture
def dns(monkeypatch) -> FakeDNS:
    """Names answered from a table for this test (see FakeDNS)."""
    fake = FakeDNS()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake
