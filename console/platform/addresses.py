"""The addresses decisions may be sent to, and sending to them.

A platform's address must be https://, on a usual port (PLATFORM_PORTS: 443 unless configured), and every address
its name leads to must be on the internet: private networks (10/8, 172.16/12, 192.168/16, fc00::/7), shared address
space (100.64/10), link-local addresses (where clouds keep their metadata service, 169.254.169.254), loopback,
multicast and reserved ranges are refused, IPv4 written inside IPv6 (::ffff:10.0.0.1, 6to4, NAT64) by what it
stands for. Names that only ever mean something locally (one word such as "metadata", or ending in .internal,
.local, .localhost ...) are refused before they are looked up. PLATFORM_ALLOW_LOOPBACK lets development, the demo's
stand-in platform and the tests send to this machine: 127.0.0.1, ::1 and localhost, over http:// too, on any port.

An address is checked when it is saved (the reason shown beside the field) and again each time something is sent,
which then connects to the very IP address that check found: no second look-up, whose answer could have changed in
between (DNS rebinding), is ever made. TLS is still verified for the name (httpx's `sni_hostname` request
extension) and the Host header is the name's; redirects are not followed and the environment's proxy settings are
not used, so nothing takes the request anywhere else.
"""

import contextlib
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from flask import current_app

from console.errors import UserError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL = 500
NAME = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*\.?")  # a host name as httpx writes it (IDNA, lower case)
DEFAULT_PORTS = {"https": 443, "http": 80}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Endings of names that only ever mean something on a local network (RFC 6761, RFC 8375, and the clouds' own
# .internal); a name of one word ("metadata", "redis") is such a name too.
LOCAL_SUFFIXES = (".internal", ".local", ".localhost", ".localdomain", ".lan", ".home.arpa", ".intranet", ".corp")
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052), and the local-use NAT64 prefix
# (RFC 8215) that Python's is_global does not know.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
EXAMPLE = "That is not a web address: it should look like https://platform.example.org/hooks/console."
LOCAL = ("The console sends decisions only to a platform on the internet: this address is on a private, local or "
         "internal network, or its name leads to one. Give the platform's public https:// address.")


class AddressRefused(UserError):
    """An address the console does not send to: on a private, local or internal network, or on an unusual port."""


class NameNotFound(UserError):
    """An address whose name no DNS server knows (now)."""


@dataclass(frozen=True)
class Destination:
    """An address the console may send to, and the IP addresses its name led to when it was checked."""

    url: httpx.URL
    host: str  # the name (or address) as looked up: IDNA, lower case, without a final dot
    addresses: tuple[IPAddress, ...]


def checked_url(url: str) -> str:
    """The address, stripped, if the console may send decisions to it (see the module's description); else a
    UserError saying why, in words for the field it was typed in."""
    url = url.strip()
    destination(url)
    return url


def origin(url: str) -> str:
    """The scheme, host and port of an address ("https://forum.example.org"; the port only when it is not the
    usual one), as a person reads it: what a saved secret or key belongs to. Empty for no address."""
    if not url:
        return ""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"


def destination(url: str) -> Destination:
    """Check an address and look its name up once: where a request to it may go, or a UserError saying why not
    (AddressRefused, NameNotFound)."""
    loopback_allowed = current_app.config["PLATFORM_ALLOW_LOOPBACK"]
    parsed = _parsed(url)
    host = parsed.raw_host.decode("ascii").rstrip(".")
    if parsed.scheme == "http" and not (loopback_allowed and host in LOOPBACK_HOSTS):
        raise UserError("Use an https:// address: decisions and their reasons must not cross the network in the "
                        "clear." + (" (http:// is accepted only for this machine, 127.0.0.1 or localhost.)"
                                    if loopback_allowed else ""))
    if _local_name(host):
        raise AddressRefused(LOCAL)
    port = parsed.port or DEFAULT_PORTS[parsed.scheme]
    found = _looked_up(host, port)
    if not all(_public(address) or (loopback_allowed and _loopback(address)) for address in found):
        raise AddressRefused(LOCAL)
    on_this_machine = all(_loopback(address) for address in found)
    if parsed.scheme == "http" and not on_this_machine:
        raise AddressRefused(LOCAL)
    if port not in current_app.config["PLATFORM_PORTS"] and not on_this_machine:
        raise AddressRefused(f"Use the platform's address on port {_ports()}: the console sends decisions to no "
                             "other port.")
    return Destination(parsed, host, tuple(found))


def rules() -> str:
    """What an address must be, in words, for the hint beside its field."""
    return (f"A platform on the internet, on port {_ports()} (https://). A saved signing secret or API key only ever "
            "goes to the address it was given for: an address elsewhere (another name or port) needs a new one.")


def send(*, method: str, url: str, timeout: float, headers: dict[str, str], **content) -> httpx.Response:
    """Send one request to a platform: its address checked again now (a UserError if it is refused), then the
    request sent to an IP address that check found, TLS verified for the name. Raises httpx's errors as they are
    (ConnectError when none of the addresses could be reached)."""
    target = destination(url)
    # TLS asks for the name (never an address) and verifies the certificate against it; the Host header is the
    # address as written.
    extensions = {} if _is_address(target.host) else {"sni_hostname": target.host}
    headers = {**headers, "Host": target.url.netloc.decode("ascii")}
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False,
                      verify=httpx.create_ssl_context()) as client:
        def to(address: IPAddress) -> httpx.Response:
            return client.request(method, target.url.copy_with(host=str(address)), headers=headers,
                                  extensions=extensions, **content)

        *others, last = target.addresses
        for address in others:
            with contextlib.suppress(httpx.ConnectError):  # nothing was sent: the next address may answer
                return to(address)
        return to(last)


def _ports() -> str:
    return " or ".join(str(port) for port in sorted(current_app.config["PLATFORM_PORTS"]))


def _parsed(url: str) -> httpx.URL:
    """The address taken apart, if it is a web address without a user name or password; else a UserError."""
    if len(url) > MAX_URL:
        raise UserError(f"The address is longer than {MAX_URL} characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        parsed = httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        raise UserError(EXAMPLE) from None
    host = parsed.raw_host.decode("ascii")
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or not (_is_address(host) or NAME.fullmatch(host)):
        raise UserError(EXAMPLE)
    if parts.username or parts.password:
        raise UserError("Leave the user name and password out of the address: the signature proves each event "
                        "comes from the console.")
    return parsed


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _local_name(host: str) -> bool:
    """Whether a name only ever means something on a local network (an address is judged by what it is, and
    localhost by where it leads: here)."""
    if _is_address(host) or host == "localhost":
        return False
    return "." not in host or host.endswith(LOCAL_SUFFIXES)


def _looked_up(host: str, port: int) -> list[IPAddress]:
    """Every address a name leads to now, each once, in the order given."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise NameNotFound(f"No computer by the name {host} could be found: check the address.") from None
    return list(dict.fromkeys(ipaddress.ip_address(answer[4][0]) for answer in answers))


def _carried(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped, 6to4, NAT64), else the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped or address.sixtofour:
            return address.ipv4_mapped or address.sixtofour
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _public(address: IPAddress) -> bool:
    """Whether an address is on the internet: not private, shared, link-local, loopback, multicast or reserved."""
    carried = _carried(address)
    return (carried.is_global and not carried.is_multicast and address not in LOCAL_NAT64
            and not (isinstance(carried, ipaddress.IPv6Address) and carried.is_site_local))


def _loopback(address: IPAddress) -> bool:
    return _carried(address).is_loopback
