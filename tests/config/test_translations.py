"""The zh-hans catalogue is complete and the compiled one matches it.

Every string a user sees is translated (DESIGN.md): a new `_()` that nobody
translated shows English to a Chinese-speaking member of staff. The catalogue
is read with the standard library only, so this runs on a machine without
gettext's tools.
"""

import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    path.parent
    for path in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
    if ".venv" not in path.parts
)
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
        if keyword == "msgid":
            field = "msgid"
        elif keyword == "msgid_plural":
            field = "plural"
            continue
        elif keyword and keyword.startswith("msgstr"):
            current["msgstr"].append("")
            field = "msgstr"
        elif keyword == "msgctxt":
            field = "ctxt"
            continue
        text = STRING.match(line)
        if text and field == "msgid":
            current["msgid"] += text.group(1)
        elif text and field == "msgstr":
            current["msgstr"][-1] += text.group(1)
    return [entry for entry in entries if entry["msgid"]]


def _unescape(text):
    """A .po string as the program sees it (its C escapes read)."""
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)


def test_every_string_is_translated_in_some_catalogue():
    # Django reads LOCALE_PATHS, then each app's locale folder: a string left
    # empty in one catalogue is fine when another one translates it.
    entries = [
        entry
        for folder in CATALOGUES
        for entry in _entries((folder / "django.po").read_text(encoding="utf-8"))
    ]
    assert len(entries) > 100
    translated = {e["msgid"] for e in entries if all(e["msgstr"])}
    untranslated = sorted({e["msgid"] for e in entries} - translated)
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("folder", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalogue_knows_every_entry(folder):
    entries = _entries((folder / "django.po").read_text(encoding="utf-8"))
    with open(folder / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog
    known = {key if isinstance(key, str) else key[0] for key in catalogue}
    known |= {key.split("\x04", 1)[-1] for key in known}
    missing = [
        e["msgid"]
        for e in entries
        if all(e["msgstr"]) and _unescape(e["msgid"]) not in known
    ]
    assert missing == [], "run: python manage.py compilemessages -l zh_Hans"
