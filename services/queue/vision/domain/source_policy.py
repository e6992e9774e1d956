"""Which camera sources a caller may set by API: the guard against server-side request forgery.

A camera source is fetched by this service (ffmpeg/OpenCV), so a source set by API is a request the
service makes on the caller's behalf. Allowed: the schemes cameras speak (``rtsp``, ``rtsps``; ``http`` and
``https`` for MJPEG cameras only once camera networks are configured) to hosts whose every address is a
camera address; files only under the folder that
development configures. Refused: other schemes (``file``, ``ftp``, ``gopher``, ...), credentials or
hosts that are not hosts, loopback, link-local (the cloud metadata services at 169.254.169.254 and
fd00:ec2::254 among them), unspecified, multicast and reserved addresses, unless an operator allow-lists
them; and, when camera networks are configured, any address outside them.

Every refusal gives the caller the same message (``REFUSED``): which rule refused a source, or whether a
file exists, is not the caller's to learn; the reason is logged for the operator. Pure: the host's
addresses are resolved by the caller and passed in.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import SplitResult, urlsplit

REFUSED = "this camera source is not allowed (ask the operator which camera networks are configured)"
LIVE_SCHEMES = frozenset({"rtsp", "rtsps", "http", "https"})
BLOCKED_NAMES = frozenset({"localhost", "localhost.localdomain", "metadata", "metadata.google.internal"})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SourceRefused(ValueError):
    """A camera source the policy refuses; ``str()`` is the neutral message, ``why`` the operator's reason."""

    def __init__(self, why: str) -> None:
        super().__init__(REFUSED)
        self.why = why


@dataclass(frozen=True)
class LiveTarget:
    """A network source after its syntax passed: the host to resolve, and the URL's parts."""

    scheme: str
    host: str
    literal: IPAddress | None  # the host when it is an address already (no lookup)


@dataclass(frozen=True)
class SourcePolicy:
    file_dir: PurePosixPath | None = None  # files allowed only under this folder (development)
    camera_networks: tuple[IPNetwork, ...] = ()  # when set, every address must be inside one of them
    allowed: tuple[IPNetwork, ...] = field(default=())  # exceptions to the internal-address rule

    @classmethod
    def of(cls, file_dir: str | None, camera_networks: list[str], allowed: list[str]) -> SourcePolicy:
        """From settings' texts; a bad network raises ValueError (at start, not per request)."""
        return cls(
            PurePosixPath(file_dir) if file_dir else None,
            tuple(ipaddress.ip_network(n, strict=False) for n in camera_networks),
            tuple(ipaddress.ip_network(n, strict=False) for n in allowed),
        )

    def check_file(self, path: str) -> PurePosixPath:
        """A file source: absolute, no ``..``, inside ``file_dir``. Returns the normalised path."""
        if self.file_dir is None:
            raise SourceRefused("file sources are off (no QUEUE_VISION_SOURCE_FILE_DIR)")
        wanted = PurePosixPath(path)
        if not wanted.is_absolute() or ".." in wanted.parts:
            raise SourceRefused(f"file source {path!r} is not an absolute path without '..'")
        if not wanted.is_relative_to(self.file_dir):
            raise SourceRefused(f"file source {path!r} is outside {self.file_dir}")
        return wanted

    def live_target(self, source: str) -> LiveTarget:
        """The syntax of a network source: scheme, a plain host, no credentials in odd places."""
        try:
            parts: SplitResult = urlsplit(source)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as exc:
            raise SourceRefused(f"unparsable URL: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in LIVE_SCHEMES:
            raise SourceRefused(f"scheme {scheme!r} is not one cameras use")
        host = (parts.hostname or "").rstrip(".").lower()
        if not host or any(ch in host for ch in "\\/@%"):
            raise SourceRefused("no host, or a host with characters hosts do not have")
        if host in BLOCKED_NAMES or host.endswith(".localhost"):
            raise SourceRefused(f"host {host!r} names this machine or a metadata service")
        if scheme.startswith("http") and not self.camera_networks:
            raise SourceRefused("http(s) sources need configured camera networks (QUEUE_VISION_CAMERA_NETWORKS)")
        return LiveTarget(scheme, host, _literal(host))

    def check_addresses(self, target: LiveTarget, addresses: list[IPAddress]) -> None:
        """Every address the host resolved to must be allowed; no address at all is refused only when camera
        networks are configured (an unresolvable name reaches nothing now, and the worker re-checks)."""
        if not addresses:
            if self.camera_networks:
                raise SourceRefused(f"host {target.host!r} does not resolve")
            return
        for address in addresses:
            self._check_address(target.host, address)

    def _check_address(self, host: str, address: IPAddress) -> None:
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        address = mapped or address
        if any(address in net for net in self.allowed):
            return
        if _internal(address):
            raise SourceRefused(f"host {host!r} is at {address}, an internal address (not allow-listed)")
        if self.camera_networks and not any(address in net for net in self.camera_networks):
            raise SourceRefused(f"host {host!r} is at {address}, outside the camera networks")


def is_file_source(source: str) -> bool:
    return "://" not in source or source.lower().startswith("file:")


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _internal(address: IPAddress) -> bool:
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
        or address in ipaddress.ip_network("fd00:ec2::/64")  # the AWS metadata service over IPv6
    )
