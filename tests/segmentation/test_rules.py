import pytest
from django.core.exceptions import ValidationError

from segmentation.models import SegmentRule
from segmentation.selectors import SLUGS, rule_grid

# The table of docs/segmentation.md, R = 5..1 down, FM = 1..5 across.
DOCUMENTED = """
new_customers      potential_loyalist potential_loyalist champions      champions
promising          potential_loyalist potential_loyalist loyal          loyal
about_to_sleep     about_to_sleep     need_attention     loyal          loyal
hibernating        hibernating        at_risk            at_risk        cant_lose_them
lost               hibernating        at_risk            at_risk        cant_lose_them
"""


def test_the_seeded_rules_map_every_cell_as_documented(db):
    grid = rule_grid()
    table = [[SLUGS[grid[r - 1, fm - 1]] for fm in range(1, 6)] for r in range(5, 0, -1)]
    assert table == [line.split() for line in DOCUMENTED.strip().splitlines()]


def test_the_seeded_rules_use_all_eleven_segments(db):
    assert SegmentRule.objects.values("segment").distinct().count() == 11


def test_a_rule_refuses_an_upside_down_range(db):
    rule = SegmentRule(segment="lost", r_min=3, r_max=2, fm_min=1, fm_max=6)
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert {"r_max", "fm_max"} <= set(error.value.message_dict)
