"""Vehicle identification numbers (ISO 3779 / GB 16735): 17 characters, check digit in position 9."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(vin: str) -> str:
    """The check character a VIN must carry in position 9 ("0"–"9" or "X")."""
    total = sum(
        _TRANSLITERATION[c] * w
        for i, (c, w) in enumerate(zip(vin.upper(), _WEIGHTS, strict=True))
        if i != 8  # the check digit itself weighs nothing
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def with_check_digit(vin17: str) -> str:
    """The same VIN with its check digit put in place (for generating valid VINs)."""
    vin17 = vin17.upper()
    return vin17[:8] + check_digit(vin17) + vin17[9:]


def validate_vin(value: str) -> None:
    vin = (value or "").upper()
    if len(vin) != 17:
        raise ValidationError(_("A VIN has exactly 17 characters."), code="vin_length")
    if not VIN_RE.match(vin):
        raise ValidationError(
            _("A VIN uses only digits and capital letters other than I, O and Q."),
            code="vin_characters",
        )
    if vin[8] != check_digit(vin):
        raise ValidationError(
            _("The VIN check digit (9th character) does not match; please check the VIN."),
            code="vin_check_digit",
        )


MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def validate_mobile(value: str) -> None:
    """A mainland China mobile number: 11 digits starting with 1."""
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(
            _("A mobile number has 11 digits and starts with 1 (e.g. 13812345678)."),
            code="mobile_format",
        )


PLATE_RE = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]$"
)


def validate_plate(value: str) -> None:
    """A mainland licence plate, e.g. 粤A12345 or the 8-character new-energy 粤AD12345."""
    if not PLATE_RE.match(value or ""):
        raise ValidationError(
            _(
                "A licence plate is a province character, a letter and 5 or 6 letters or digits "
                "(e.g. 粤A12345)."
            ),
            code="plate_format",
        )


POSTCODE_RE = re.compile(r"^\d{6}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")


def validate_postcode(value: str) -> None:
    """A mainland postcode: 6 digits."""
    if not POSTCODE_RE.match(value or ""):
        raise ValidationError(_("A postcode has 6 digits (e.g. 510000)."), code="postcode_format")


def validate_phone(value: str) -> None:
    """A mobile number, or a landline with its area code (020-12345678, extension after a dash)."""
    if not (MOBILE_RE.match(value or "") or LANDLINE_RE.match(value or "")):
        raise ValidationError(
            _(
                "A phone number is a mobile number (11 digits starting with 1) or a landline with its "
                "area code (e.g. 020-12345678)."
            ),
            code="phone_format",
        )
