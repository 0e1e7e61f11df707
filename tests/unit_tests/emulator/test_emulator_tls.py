"""The generated CA and server certificate."""

from __future__ import annotations

import ipaddress
import ssl

from cryptography import x509

from langchain_azure_image_embeddings.emulator.tls import generate_certificates, server_ssl_context


def test_server_certificate_names_the_hosts_and_is_issued_by_the_ca(tmp_path):
    files = generate_certificates(tmp_path, ("127.0.0.1", "localhost"))
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    server = x509.load_pem_x509_certificate(files.cert.read_bytes())
    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert files.key.stat().st_mode & 0o077 == 0


def test_contexts_load(tmp_path):
    files = generate_certificates(tmp_path)
    assert isinstance(server_ssl_context(files), ssl.SSLContext)
    client = ssl.create_default_context(cafile=str(files.ca_cert))
    assert client.cert_store_stats()["x509_ca"] == 1
