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
    "parts_tickets/templates",
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


def test_the_chinese_ui_speaks_the_handbooks_terms():
    """来电/来人/函件, 配件类投诉, 配件分中心, 兄弟站调配, 客户关系部经理: the words the manufacturers'
    handbooks use, not paraphrases."""
    from django.utils import translation

    from hotline.models import Category, Channel, StockCheck, WorkOrderType
    from tenants.models import Role

    with translation.override("zh-hans"):
        assert [str(Channel(c).label) for c in ("phone", "walk_in", "letter")] == ["来电", "来人", "函件"]
        assert str(WorkOrderType.PARTS_SHORTAGE.label) == str(Category.PARTS_SHORTAGE.label) == "配件类投诉"
        assert str(StockCheck.SIBLING_TRANSFER.label) == "兄弟站调配"
        assert "配件分中心" in str(StockCheck.PARTS_CENTRE.label)
        assert str(Role.DEALER_CRM_MANAGER.label) == "客户关系部经理"
