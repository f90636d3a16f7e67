"""Every text of the portals' templates has its Simplified Chinese translation."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import translation

TEMPLATE_DIRS = [
    "config/templates",
    "hotline/templates",
    "dealers/templates",
    "notifications/templates",
    "tenants/templates",
]
TRANSLATE = re.compile(r"""\{% translate (["'])(.+?)\1(?: context (["'])(.+?)\3)?""")
BLOCK = re.compile(r"\{% blocktranslate[^%]*%\}(.*?)\{% (?:plural|endblocktranslate) %\}", re.S)


def texts() -> set[tuple[str, str | None, str]]:
    """(msgid as the template tag looks it up, context, the text as written)."""
    found = set()
    for folder in TEMPLATE_DIRS:
        for path in (settings.BASE_DIR / folder).rglob("*.html"):
            source = path.read_text()
            # {% translate %} looks a text up with any percent sign doubled.
            found |= {(m[2].replace("%", "%%"), m[4], m[2]) for m in TRANSLATE.finditer(source)}
            found |= {
                (re.sub(r"\{\{ *(\w+)[^}]*\}\}", r"%(\1)s", m[1]), None, m[1]) for m in BLOCK.finditer(source)
            }
    return found


def test_every_template_text_is_translated_into_chinese():
    found = texts()
    with translation.override("zh-hans"):
        untranslated = sorted(
            written
            for msgid, context, written in found
            if (translation.pgettext(context, msgid) if context else translation.gettext(msgid)) == msgid
        )
    assert len(found) > 150
    assert untranslated == []
