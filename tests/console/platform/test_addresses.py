"""Decisions go only to a platform on the internet (second security review, finding 3): an address that leads to a
private, local or cloud-internal network, or to an unusual port, is refused beside the field when it is saved, and
again when it is sent to, before any connection; a sending connects to the very address its check passed, with TLS
verified for the name.

No test here sends anything beyond this machine, nor asks a DNS server anything: names are answered from a table
(`dns`), and every connection is to a loopback address."""

import datetime
import socket
import threading

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from console.extensions import db
from console.platform.models import PlatformEvent
from tests.console.platform.test_outbound import Receiver, connect, decide, deliveries_page
from tests.factories import item, post_json, service_id_of
from tests.helpers import run_queued_tasks

# Internet addresses for names in the table, never connected to: no test here sends anything beyond this machine.
PUBLIC, PUBLIC_V6 = "192.0.43.10", "2001:4860:4860::8888"


class Listener:
    """A port on 127.0.0.1 that counts the connections made to it (and closes each at once)."""

    def __init__(self):
        self.connections = 0
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                accepted, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            accepted.close()


@pytest.fixture
def listener():
    running = Listener()
    yield running
    running.socket.close()


@pytest.fixture
def production(app):
    """The console as deployed: nothing may go to this machine (the tests' own settings allow it)."""
    app.config["PLATFORM_ALLOW_LOOPBACK"] = False
    return app


def save(admin, service_id: int, url: str):
    settings = f"/queue/services/{service_id}/settings"
    return admin.post(f"/queue/services/{service_id}/webhook", {"kind": "webhook", "url": url}, form_page=settings)


LOCAL = "The console sends decisions only to a platform on the internet"


@pytest.mark.parametrize("url,answer,message", [
    ("https://169.254.169.254/latest/meta-data/", None, LOCAL),
    ("https://10.0.0.1/hook", None, LOCAL),
    ("https://[fd00::1]/hook", None, LOCAL),
    ("https://192.168.1.1:8443/", None, LOCAL),
    ("https://100.64.0.1/hook", None, LOCAL),
    ("https://[::ffff:10.0.0.1]/hook", None, LOCAL),
    ("https://[64:ff9b::a9fe:a9fe]/hook", None, LOCAL),
    ("https://metadata.google.internal/computeMetadata/v1/", None, LOCAL),
    ("https://metadata/latest/", None, LOCAL),
    ("http://127.0.0.1:6379/", None, "Use an https:// address"),
    ("https://127.0.0.1:5000/admin/staff", None, LOCAL),
    ("https://2130706433/admin/staff", None, LOCAL),
    ("https://localhost/admin/staff", None, LOCAL),
    ("https://[::1]:5000/", None, LOCAL),
    ("https://platform.test/hooks", ["10.20.30.40"], LOCAL),
    ("https://platform.test/hooks", [PUBLIC, "127.0.0.1"], LOCAL),
    ("https://platform.test:8443/hooks", [PUBLIC], "no other port"),
    ("https://platform.test:6379/hooks", [PUBLIC], "no other port"),
    ("https://nowhere.test/hooks", [], "No computer by the name nowhere.test could be found"),
])
def test_an_address_on_a_private_local_or_internal_network_is_refused_beside_the_field(production, admin, dns, url,
                                                                                       answer, message):
    if answer:
        dns.answers["platform.test"] = [answer]
    service_id = service_id_of(production, "demo-low")
    refused = save(admin, service_id, url)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert '<p class="error-message" id="url-error">' in page and message in page.split('id="url-error">')[1]
    assert "Decisions are not sent anywhere" in admin.client.get(
        f"/queue/services/{service_id}/settings").get_data(as_text=True)
    assert not {"metadata.google.internal", "metadata"} & set(dns.asked), "a local-only name is never looked up"


def test_a_platform_on_the_internet_is_accepted_without_connecting_to_it(production, admin, dns):
    dns.answers["platform.test"] = [[PUBLIC, PUBLIC_V6]]
    service_id = service_id_of(production, "demo-low")
    assert save(admin, service_id, "https://platform.test/hooks/console").status_code == 302
    page = admin.client.get(f"/queue/services/{service_id}/settings").get_data(as_text=True)
    assert 'value="https://platform.test/hooks/console"' in page
    assert "Make a signing secret: nothing is sent until there is one." in page


def test_an_address_whose_name_now_leads_here_is_refused_at_sending_before_any_connection(production, client, admin,
                                                                                       chloe, dns, listener):
    """The name led to the internet when the address was saved; by the time a decision goes it leads to this
    machine (DNS rebinding, or a record changed): nothing connects, and the page says so without saying what is
    there. Sending it again changes nothing."""
    production.config["PLATFORM_PORTS"] = (443, listener.port)
    dns.answers["platform.test"] = [[PUBLIC]]
    service_id = service_id_of(production, "demo-low")
    connect(admin, service_id, f"https://platform.test:{listener.port}/hooks/console")
    dns.answers["platform.test"] = [["127.0.0.1"]]
    post_id = post_json(client, item("rebound-1")).get_json()["id"]
    decide(chloe, post_id, "hidden", "Spam")
    run_queued_tasks(production)
    page = deliveries_page(admin, service_id)
    assert "Not delivered</span> after 1 try: Not sent: the platform&#39;s address leads to a network the console " \
           "does not send to." in page
    assert "127.0.0.1" not in page

    deliveries = f"/queue/services/{service_id}/deliveries"
    with production.app_context():
        event_id = db.session.scalar(sa.select(PlatformEvent.id).where(PlatformEvent.post_id == post_id))
    admin.post(f"{deliveries}/{event_id}/send", form_page=deliveries)
    run_queued_tasks(production)
    assert "after 2 tries: Not sent: the platform&#39;s address leads" in deliveries_page(admin, service_id)
    assert listener.connections == 0


def test_a_sending_connects_to_the_address_its_check_found_with_tls_for_the_name(app, client, admin, chloe, dns,
                                                                                tmp_path, monkeypatch):
    """The check looks the name up once; the connection goes to that very address (a second look-up could be
    answered differently: here it would lead where nothing listens), TLS is verified for the name, and the Host
    header is the name's."""
    authority, certificate = tls_files(tmp_path, "platform.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(authority))
    receiver = Receiver(tls=certificate)
    try:
        service_id = service_id_of(app, "demo-low")
        url = f"https://platform.test:{receiver.port}/hooks/console"
        dns.answers["platform.test"] = [["127.0.0.1"]]
        receiver.secret = connect(admin, service_id, url)
        post_id = post_json(client, item("pinned-1")).get_json()["id"]
        decide(chloe, post_id, "hidden", "Spam")
        dns.answers["platform.test"] = [["127.0.0.1"], ["127.0.0.2"]]  # any later look-up: where nothing listens
        dns.asked.clear()
        run_queued_tasks(app)
        assert dns.asked == ["platform.test"]
        (request,) = receiver.received
        assert request["signature_ok"] and request["headers"]["Host"] == f"platform.test:{receiver.port}"
        assert receiver.server_names == ["platform.test"]
        assert "Delivered" in deliveries_page(admin, service_id)
    finally:
        receiver.stop()


def test_a_certificate_for_another_name_is_not_trusted(app, client, admin, chloe, dns, tmp_path, monkeypatch):
    authority, certificate = tls_files(tmp_path, "elsewhere.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(authority))
    receiver = Receiver(tls=certificate)
    try:
        service_id = service_id_of(app, "demo-low")
        dns.answers["platform.test"] = [["127.0.0.1"]]
        receiver.secret = connect(admin, service_id, f"https://platform.test:{receiver.port}/hooks/console")
        decide(chloe, post_json(client, item("pinned-2")).get_json()["id"], "approved")
        run_queued_tasks(app)
        assert receiver.received == []
        assert "Not delivered</span> after 1 try: Could not connect to the platform." in deliveries_page(admin,
                                                                                                          service_id)
    finally:
        receiver.stop()


def tls_files(folder, name: str):
    """A certificate authority made for the test, and a certificate it signed for `name`: (the authority's file,
    (certificate file, key file))."""
    now = datetime.datetime.now(datetime.UTC)
    span = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=1))

    def made(subject: str, key, issuer: str, issuer_key, authority: bool, extra=()):
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(span[0]).not_valid_after(span[1])
                   .add_extension(x509.BasicConstraints(ca=authority, path_length=None), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                                  critical=False))
        for extension in extra:
            builder = builder.add_extension(extension, critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    authority_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    authority = made("Test authority", authority_key, "Test authority", authority_key, True)
    server = made(name, server_key, "Test authority", authority_key, False,
                  [x509.SubjectAlternativeName([x509.DNSName(name)]),
                   x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH])])
    files = {"authority.pem": authority.public_bytes(serialization.Encoding.PEM),
             "server.pem": server.public_bytes(serialization.Encoding.PEM),
             "server.key": server_key.private_bytes(serialization.Encoding.PEM,
                                                    serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption())}
    for file_name, content in files.items():
        (folder / file_name).write_bytes(content)
    return folder / "authority.pem", (folder / "server.pem", folder / "server.key")
