"""A pilot CA: a private certificate authority and the broker's server certificate, for a pilot
that has no certificate from a public CA yet (``hailong provision ca``)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hailong.provision import ProvisionError, give_to_broker_group, write_private

# A pilot CA lives ten years; a server certificate 825 days, the longest validity most TLS
# clients accept for a certificate from a private CA, so renewal is a two-yearly chore.
CA_DAYS = 3650
SERVER_DAYS = 825


@dataclass(frozen=True)
class PilotCertificates:
    folder: Path
    ca_created: bool

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.crt"

    @property
    def server_cert(self) -> Path:
        return self.folder / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.folder / "server.key"


def _subject_names(hosts: Sequence[str]) -> list[object]:
    from cryptography import x509

    names: list[object] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def make_pilot_ca(folder: Path, hosts: Sequence[str], force: bool = False,
                  now: dt.datetime | None = None) -> PilotCertificates:
    """A CA (kept if one is already in ``folder``) and a server certificate for ``hosts``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    if not hosts:
        raise ProvisionError("name the broker with --host (its DNS name or IP address, as the "
                             "kiosks will write it in mqtts://HOST:8883); repeat for several")
    pem = serialization.Encoding.PEM
    private = serialization.PrivateFormat.PKCS8
    plain = serialization.NoEncryption()
    now = now or dt.datetime.now(dt.UTC)
    result = PilotCertificates(folder, ca_created=False)
    if result.server_key.exists() and not force:
        raise ProvisionError(f"{result.server_key} exists: pass --force to issue a new server "
                             "certificate and key")
    ca_key_path = folder / "ca.key"
    if ca_key_path.exists():
        try:
            loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
            ca_cert = x509.load_pem_x509_certificate(result.ca_cert.read_bytes())
        except (OSError, ValueError) as exc:
            raise ProvisionError(f"{folder}: the existing CA cannot be read ({exc})") from None
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise ProvisionError(f"{ca_key_path}: not a key made by `hailong provision ca`")
        ca_key = loaded
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hailong pilot"),
                             x509.NameAttribute(NameOID.COMMON_NAME, "hailong pilot CA")])
        ca_cert = (
            x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
            .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
        write_private(ca_key_path, ca_key.private_bytes(pem, private, plain))
        write_private(result.ca_cert, ca_cert.public_bytes(pem), mode=0o644)
        result = PilotCertificates(folder, ca_created=True)

    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_cert.subject).public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(_subject_names(hosts)),  # type: ignore[arg-type]
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256()))
    write_private(result.server_key, server_key.private_bytes(pem, private, plain), mode=0o640)
    give_to_broker_group(result.server_key)
    write_private(result.server_cert, server_cert.public_bytes(pem), mode=0o644)
    return result


