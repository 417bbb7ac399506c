"""Signed tokens: QR passes, delegates' personal links and calendar-feed links (Ed25519, rotating keys).

A token is `format byte, key id byte, kind-specific varints` followed by a 64-byte Ed25519 signature.
Passes are base32 (upper case, no padding) behind the prefix `BP`, so the QR code uses the dense
alphanumeric mode and a keyboard-wedge scanner types it unchanged; links are base64url.
"""
from __future__ import annotations

import base64
import binascii
import fcntl
import io
import os
from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.image.svg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PASS_PREFIX = "BP"
SIG_LEN = 64
KIND_PASS, KIND_LINK, KIND_FEED, KIND_STAFF_FEED = 1, 2, 3, 4


class InvalidToken(ValueError):
    """Garbage, truncated, unknown key or bad signature."""


def _varints(values: tuple[int, ...]) -> bytes:
    out = bytearray()
    for v in values:
        if v < 0:
            raise ValueError("token fields are non-negative")
        while True:
            byte, v = v & 0x7F, v >> 7
            out.append(byte | (0x80 if v else 0))
            if not v:
                break
    return bytes(out)


def _read_varints(data: bytes) -> tuple[int, ...]:
    values, value, shift = [], 0, 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        shift += 7
        if shift > 63:
            raise InvalidToken("field too long")
        if not byte & 0x80:
            values.append(value)
            value, shift = 0, 0
    if shift:
        raise InvalidToken("truncated field")
    return tuple(values)


class Keyring:
    """Ed25519 signing keys by id; the newest signs, all verify (so keys can rotate)."""

    def __init__(self, private: dict[int, Ed25519PrivateKey], active: int) -> None:
        self._private = private
        self.active = active
        self._public = {kid: k.public_key() for kid, k in private.items()}

    @classmethod
    def from_public(cls, public: dict[int, bytes]) -> "Keyring":
        ring = cls({}, -1)
        ring._public = {kid: Ed25519PublicKey.from_public_bytes(raw) for kid, raw in public.items()}
        return ring

    @classmethod
    def load_or_create(cls, directory: Path) -> "Keyring":
        """Load the keys in `directory`, creating the first one (mode 0600) if there is none."""
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # several workers may start at once
            ring = cls._load(directory)
            if ring is None:
                ring = cls._create(directory, 1, {})
            return ring

    @classmethod
    def _load(cls, directory: Path) -> "Keyring | None":
        keys = {}
        for path in directory.glob("ed25519-*.pem"):
            kid = int(path.stem.split("-")[1])
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            assert isinstance(key, Ed25519PrivateKey)
            keys[kid] = key
        return cls(keys, max(keys)) if keys else None

    @classmethod
    def _create(cls, directory: Path, kid: int, keys: dict[int, Ed25519PrivateKey]) -> "Keyring":
        if not 0 < kid < 256:
            raise ValueError("at most 255 signing keys")
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        fd = os.open(directory / f"ed25519-{kid:03d}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        return cls({**keys, kid: key}, kid)

    def rotate(self, directory: Path) -> "Keyring":
        """A new signing key; older keys keep verifying tokens already issued."""
        return self._create(directory, self.active + 1, self._private)

    def public_keys(self) -> dict[int, bytes]:
        return {kid: k.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
                for kid, k in sorted(self._public.items())}

    def sign(self, kind: int, *fields: int) -> bytes:
        body = bytes([kind, self.active]) + _varints(fields)
        return body + self._private[self.active].sign(body)

    def verify(self, kind: int, raw: bytes, n_fields: int) -> tuple[int, tuple[int, ...]]:
        """Returns (key id, fields) of a genuine token of this kind carrying `n_fields` numbers."""
        if len(raw) < 2 + SIG_LEN or raw[0] != kind:
            raise InvalidToken("not a token of this kind")
        body, sig = raw[:-SIG_LEN], raw[-SIG_LEN:]
        key = self._public.get(body[1])
        if key is None:
            raise InvalidToken("unknown key id")
        try:
            key.verify(sig, body)
        except InvalidSignature:
            raise InvalidToken("bad signature") from None
        fields = _read_varints(body[2:])
        if len(fields) != n_fields:
            raise InvalidToken("wrong number of fields")
        return body[1], fields


@dataclass(frozen=True)
class PassClaims:
    conference_id: int
    invitation_id: int
    conference_site_id: int
    version: int
    key_id: int = 0


def encode_pass(ring: Keyring, conference_id: int, invitation_id: int, conference_site_id: int,
                version: int) -> str:
    raw = ring.sign(KIND_PASS, conference_id, invitation_id, conference_site_id, version)
    return PASS_PREFIX + base64.b32encode(raw).decode().rstrip("=")


def _pass_bytes(text: str) -> bytes:
    """The bytes a pass's text carries (prefix and base32 undone), not yet checked."""
    text = text.strip().upper()
    if not text.startswith(PASS_PREFIX) or len(text) > 400:
        raise InvalidToken("not a bridgepoint pass")
    data = text[len(PASS_PREFIX):]
    try:
        return base64.b32decode(data + "=" * (-len(data) % 8))
    except (binascii.Error, ValueError):
        raise InvalidToken("not base32") from None


def decode_pass(ring: Keyring, text: str) -> PassClaims:
    kid, fields = ring.verify(KIND_PASS, _pass_bytes(text), 4)
    return PassClaims(*fields, key_id=kid)


def peek_invitation(text: str) -> int | None:
    """The invitation a pass names, read WITHOUT checking its signature, or None: only to group scans of the same
    pass (`decode_pass` decides whether it is genuine)."""
    try:
        raw = _pass_bytes(text)
        fields = _read_varints(raw[2:-SIG_LEN]) if len(raw) > 2 + SIG_LEN and raw[0] == KIND_PASS else ()
    except InvalidToken:
        return None
    return fields[1] if len(fields) == 4 else None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if len(text) > 400:
        raise InvalidToken("too long")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("not base64url") from None


def encode_link(ring: Keyring, invitation_id: int, link_version: int) -> str:
    """The delegate's personal link token (pass page and agenda without a password)."""
    return _b64(ring.sign(KIND_LINK, invitation_id, link_version))


def _decode(ring: Keyring, kind: int, token: str, n_fields: int) -> tuple[int, ...]:
    return ring.verify(kind, _unb64(token), n_fields)[1]


def decode_link(ring: Keyring, token: str) -> tuple[int, int]:
    invitation_id, link_version = _decode(ring, KIND_LINK, token, 2)
    return invitation_id, link_version


def encode_feed(ring: Keyring, delegate_id: int, feed_version: int) -> str:
    """The secret in a delegate's calendar-feed URL; bumping feed_version revokes it."""
    return _b64(ring.sign(KIND_FEED, delegate_id, feed_version))


def decode_feed(ring: Keyring, token: str) -> tuple[int, int]:
    delegate_id, feed_version = _decode(ring, KIND_FEED, token, 2)
    return delegate_id, feed_version


def encode_staff_feed(ring: Keyring, user_id: int, feed_version: int, what: int, target_id: int) -> str:
    """The secret in a staff member's calendar-feed URL (`what`: 1 a bridge site, 2 the conferences they
    manage); bumping the user's feed_version revokes all of theirs."""
    return _b64(ring.sign(KIND_STAFF_FEED, user_id, feed_version, what, target_id))


def decode_staff_feed(ring: Keyring, token: str) -> tuple[int, int, int, int]:
    user_id, feed_version, what, target_id = _decode(ring, KIND_STAFF_FEED, token, 4)
    return user_id, feed_version, what, target_id


# Characters of QR codes' alphanumeric mode, and how many of them versions 1–10 hold at error correction M.
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_ALNUM_M = (20, 38, 61, 90, 122, 154, 178, 221, 262, 311)


def _qr(text: str) -> qrcode.QRCode:
    # A fixed mask: choosing the "best" one costs ~10 ms a code, and scanners read either fine. A pass is
    # alphanumeric, so its version comes from the capacity table: qrcode's own search costs a quarter of a code.
    version = next((v for v, n in enumerate(_ALNUM_M, 1) if len(text) <= n), None) \
        if _ALNUM.issuperset(text) else None
    qr = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4,
                       mask_pattern=0)
    qr.add_data(text)
    qr.make(fit=version is None)
    return qr


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code's modules (True: dark), row by row, without the quiet zone: for drawing it in a PDF."""
    return [[bool(m) for m in row] for row in _qr(text).modules]


def qr_png(text: str) -> bytes:
    buf = io.BytesIO()
    _qr(text).make_image().save(buf, format="PNG")
    return buf.getvalue()


def qr_svg(text: str) -> str:
    buf = io.BytesIO()
    _qr(text).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buf)
    return buf.getvalue().decode()
