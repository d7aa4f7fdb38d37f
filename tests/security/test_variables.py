"""The one list of template variables: complete, in both languages, documented."""

import re
from pathlib import Path

from django.utils import translation

from care.content.variables import COMMON
from care.outreach.triggers import TRIGGERS, variables_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "outreach.md"


def documented() -> dict[str, set[str]]:
    text = DOC.read_text()
    section = text[text.index("**Template variables.**") :].split("###")[0]
    rows = re.findall(r"^\| (every campaign|`\w+`) \| (.*) \|$", section, re.M)
    return {
        kind.strip("`"): set(re.findall(r"`([\w.]+)`", names)) for kind, names in rows
    }


def test_it_lists_the_common_variables_then_the_kinds_own():
    names = [v.name for v in variables_for("maintenance")]
    assert names[: len(COMMON)] == [v.name for v in COMMON]
    assert {"asset.name", "occasion.due_on"} <= set(names)
    assert [v.name for v in variables_for("no such kind")] == [v.name for v in COMMON]


def test_every_variable_is_described_in_english_and_chinese():
    for kind in TRIGGERS:
        for variable in variables_for(kind):
            with translation.override("en"):
                english = str(variable.description)
            with translation.override("zh-hans"):
                chinese = str(variable.description)
            assert english and chinese != english, variable.name
            assert variable.sample is not None, variable.name


def test_the_docs_list_each_kinds_variables():
    table = documented()
    assert table.pop("every campaign") == {v.name for v in COMMON}
    assert table == {
        kind: {v.name for v in spec.variables} for kind, spec in TRIGGERS.items()
    }
