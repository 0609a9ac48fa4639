"""The check number of a printed direction (issue 11): anyone holding the paper can verify it on a
public page (`/open/d/<check>/`) without learning anything else about the portal's directions.

The check is 12 characters of Crockford base32 (no I, L, O, U; read aloud or typed from paper):
the direction's id under a keyed permutation (40 bits: a 4-round Feistel network whose round
function is an HMAC), then a 20-bit HMAC tag of the id. It is not the id and not the number, a
neighbour's check cannot be derived from one's own, and a typed guess is a valid check with a
chance of about one in a million per existing direction (the page is rate-limited besides). No column
is stored: the check decodes to the id, and the tag proves it was issued by this portal.
"""

from __future__ import annotations

import hashlib
import hmac

from core.keys import derived_key

_LABEL = b"indigo.placements.verification: direction check numbers"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_HALF_BITS = 20
_HALF_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 4
_TAG_BITS = 20
CHECK_LENGTH = 12  # (40 + 20) bits / 5 bits a character


def _mac(message: bytes) -> int:
    key = derived_key(setting="SECRET_KEY", label=_LABEL)
    return int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big")


def _round(i: int, half: int) -> int:
    return _mac(b"round:%d:%d" % (i, half)) & _HALF_MASK


def _permute(value: int) -> int:
    left, right = value >> _HALF_BITS, value & _HALF_MASK
    for i in range(_ROUNDS):
        left, right = right, left ^ _round(i, right)
    return (left << _HALF_BITS) | right


def _unpermute(value: int) -> int:
    left, right = value >> _HALF_BITS, value & _HALF_MASK
    for i in reversed(range(_ROUNDS)):
        left, right = right ^ _round(i, left), left
    return (left << _HALF_BITS) | right


def _tag(direction_id: int) -> int:
    return _mac(b"tag:%d" % direction_id) & ((1 << _TAG_BITS) - 1)


def direction_check(direction_id: int) -> str:
    """The check number of a direction, e.g. "7K2M-9QXD-04TR" (`check_display` adds the dashes)."""
    if not 0 < direction_id < 1 << (2 * _HALF_BITS):
        raise ValueError("direction id out of the check's range")
    value = (_permute(direction_id) << _TAG_BITS) | _tag(direction_id)
    chars = []
    for _ in range(CHECK_LENGTH):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def check_display(check: str) -> str:
    """Grouped by four for reading off paper: 7K2M-9QXD-04TR."""
    return "-".join(check[i : i + 4] for i in range(0, len(check), 4))


def direction_id_from_check(text: str) -> int | None:
    """The direction id a typed or scanned check stands for, or None when it is not one of ours.
    Dashes, spaces and case are ignored; O reads as 0 and I, L as 1 (Crockford)."""
    cleaned = text.upper().replace("-", "").replace(" ", "").replace("O", "0").replace("I", "1").replace("L", "1")
    if len(cleaned) != CHECK_LENGTH or any(ch not in _ALPHABET for ch in cleaned):
        return None
    value = 0
    for ch in cleaned:
        value = (value << 5) | _ALPHABET.index(ch)
    tag, permuted = value & ((1 << _TAG_BITS) - 1), value >> _TAG_BITS
    direction_id = _unpermute(permuted)
    if direction_id <= 0 or not hmac.compare_digest(str(_tag(direction_id)), str(tag)):
        return None
    return direction_id


def direction_verify_url(direction_id: int) -> str:
    """The absolute address of the direction's public check page (settings.SITE_URL)."""
    from django.conf import settings
    from django.urls import reverse

    return f"{settings.SITE_URL}{reverse('opendata:direction_verify', args=[direction_check(direction_id)])}"


def qr_svg(text: str) -> str:
    """A QR code of `text` as inline SVG (qrcode's path image: no Pillow needed)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")
