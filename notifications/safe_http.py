"""Outgoing HTTP to an address a tenant chose, never into the platform's own network.

A webhook's URL is the tenant's to choose, so every delivery resolves the host
itself, refuses if *any* address it resolves to is loopback, link-local
(169.254.169.254, the cloud metadata service), private, shared, reserved,
multicast or unspecified (IPv4 and IPv6, IPv4-mapped and 6to4/Teredo forms
included), and then connects to the very address it checked: a DNS answer
that changes between the check and the connection (rebinding) is never used.
TLS still verifies the certificate for the host name. Redirects are not
followed (a 3xx is an answer like any other), so no redirect leads inward.

What a caller learns of a failure is one of a few plain words, never an
address, a port's state or an operating-system message: a tenant must not be
able to map the network through a delivery log. ``WEBHOOKS_ALLOWED_NETWORKS``
lists networks exempted on purpose (tests, an on-premises receiver).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_ANSWER_BYTES = 64 * 1024

# The words a delivery log may show (the wording of notifications/webhooks.py).
REFUSED = "address not allowed"
UNREACHABLE = "could not connect"
BAD_URL = "not a valid address"


class AddressRefused(Exception):
    """The URL's host is, or resolves to, an address the platform does not call."""


def _exempt(ip: Address) -> bool:
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.WEBHOOKS_ALLOWED_NETWORKS)


def address_allowed(ip: Address) -> bool:
    """Whether a delivery may connect to ``ip``: a public unicast address (or an exempted one)."""
    if _exempt(ip):
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return address_allowed(embedded)
    return bool(
        ip.is_global
        and not (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
        )
    )


def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to; ``AddressRefused`` if any one is not allowed."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        found = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    if not found or not all(address_allowed(ip) for ip in found):
        raise AddressRefused(host)
    return found


def check_url(url: str, *, schemes: tuple[str, ...] = ("http", "https")) -> None:
    """A URL a delivery may go to: the scheme allowed, a host, and only allowed addresses.

    Raises ``AddressRefused`` (an address of the platform's own network) or
    ``ValueError`` (not a usable URL); name resolution failing is ``OSError``.
    """
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(url)
    resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: Address, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._address), self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: Address, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((str(self._address), self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Answer:
    status: int | None  # the receiver's HTTP status; None when there was none
    error: str  # "" or one of REFUSED, UNREACHABLE, BAD_URL
    body: bytes = b""  # the start of the answer's body (at most MAX_ANSWER_BYTES)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Answer:
    """POST ``body`` to ``url`` at an address checked just now; redirects are not followed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Answer(None, BAD_URL)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve(parts.hostname, port)[0]
    except AddressRefused:
        return Answer(None, REFUSED)
    except (OSError, ValueError, UnicodeError):
        return Answer(None, UNREACHABLE)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(parts.hostname, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        body = response.read(MAX_ANSWER_BYTES)
        return Answer(response.status, "", body)
    except (OSError, http.client.HTTPException, ValueError):
        return Answer(None, UNREACHABLE)
    finally:
        connection.close()
