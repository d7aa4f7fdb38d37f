"""The zh-hans catalogue is complete and the compiled one matches it.

Every string a user sees is translated (DESIGN.md): a new `_()` that nobody
translated shows English to a Chinese-speaking member of staff. The catalogue
is read with the standard library only, so this runs on a machine without
gettext's tools.
"""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"
STRING = re.compile(r'^(?:msgid|msgstr|msgid_plural|msgstr\[\d+\])?\s*"(.*)"$')


def _entries(po_text):
    """(msgid, [msgstr...], flags) for each entry of a .po file, header left out."""
    entries, current, field, flags = [], None, None, ""
    for line in po_text.splitlines() + [""]:
        if not line.strip():
            if current is not None:
                entries.append(current)
            current, field, flags = None, None, ""
            continue
        if line.startswith("#,"):
            flags = line
            continue
        if line.startswith("#"):
            continue
        if current is None:
            current = {"msgid": "", "msgstr": [], "flags": flags}
        keyword = line.split(" ", 1)[0] if not line.startswith('"') else None
        if keyword in ("msgid", "msgid_plural"):
            field = "msgid"
            if keyword == "msgid":
                current["msgid"] = ""
        elif keyword and keyword.startswith("msgstr"):
            current["msgstr"].append("")
            field = "msgstr"
        elif keyword == "msgctxt":
            field = "ctxt"
            continue
        text = STRING.match(line)
        if text and field == "msgid" and keyword != "msgid_plural":
            current["msgid"] += text.group(1)
        elif text and field == "msgstr":
            current["msgstr"][-1] += text.group(1)
    return [entry for entry in entries if entry["msgid"]]


def _unescape(text):
    """A .po string as the program sees it (its C escapes read)."""
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)


def test_every_string_of_the_catalogue_is_translated():
    entries = _entries((LOCALE / "django.po").read_text(encoding="utf-8"))
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_knows_every_entry():
    entries = _entries((LOCALE / "django.po").read_text(encoding="utf-8"))
    with open(LOCALE / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog
    known = {key if isinstance(key, str) else key[0] for key in catalogue}
    known |= {key.split("\x04", 1)[-1] for key in known}
    missing = [e["msgid"] for e in entries if _unescape(e["msgid"]) not in known]
    assert missing == [], "run: python manage.py compilemessages -l zh_Hans"
