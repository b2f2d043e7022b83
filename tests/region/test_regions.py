"""The province–city–county tiers of config/regions.toml: the sample reads, lies together and
agrees with city.toml; every mistake is named with its key and nothing half-read is used."""

from __future__ import annotations

import copy
import tomllib

import pytest

from orchestrator.errors import ConfigInvalid
from orchestrator.region.config import check_city, regions_from_mapping
from orchestrator.region.model import Tier, parent_code, tier_of
from tests.support.app import BASE, CITY
from tests.support.base import CONFIG

SAMPLE = tomllib.loads((CONFIG / "regions.toml").read_text(encoding="utf-8"))


def tree_of(data):
    return regions_from_mapping(data, source="regions.toml")


def test_the_sample_province_holds_the_city_of_city_toml():
    tree = BASE.regions
    assert tree is not None
    assert tree.root.name == "示例省"
    assert tree.root.tier is Tier.PROVINCE
    assert tree.served.code == CITY.region_code
    assert not tree.provincial
    assert [c.code for c in tree.cities()] == [CITY.region_code]
    assert [r.name for r in tree.counties(CITY.region_code)] == list(CITY.counties)
    county = tree.county(CITY.region_code, "清源市")
    assert county is not None
    assert county.code == "999981"
    assert [r.name for r in tree.path(county.code)] == ["示例省", "示例市", "清源市"]
    assert tree.within(county.code, "990000")
    assert tree.within(county.code, CITY.region_code)
    assert not tree.within(county.code, "990100")
    # every region but the root lies in its parent by its code
    for _, r in tree.walk():
        assert r.parent == parent_code(r.code)


def test_a_provincial_installation_serves_every_city():
    data = {**SAMPLE, "serves": "990000"}
    tree = tree_of(data)
    assert tree.provincial
    assert [c.name for c in tree.cities()] == ["示例市", "东川市", "西岭市"]
    assert sum(1 for _ in tree.walk()) == 1 + 3 + 7 + 3 + 3


@pytest.mark.parametrize(
    ("code", "tier"),
    [("990000", Tier.PROVINCE), ("990100", Tier.CITY), ("990181", Tier.COUNTY), ("99010", None),
     ("090000", None), ("99x100", None)],
)  # fmt: skip
def test_a_code_says_its_tier(code, tier):
    assert tier_of(code) is tier


def _broken(edit):
    data = copy.deepcopy(SAMPLE)
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["cities"][1]["counties"][0].update(code="990302"),
         r"cities\[1\]\.counties\[0\]\.code: “990302” does not lie in 990100"),
        (lambda d: d["cities"][1].update(code="990101"),
         r"cities\[1\]\.code: “990101” is a county's code; a city is expected"),
        (lambda d: d["cities"][2].update(code="880200"),
         r"cities\[2\]\.code: “880200” does not lie in 990000"),
        (lambda d: d["cities"][2]["counties"].append({"code": "990223", "name": "石门县"}),
         r"cities\[2\]\.counties\[3\]\.name: “石门县” is given twice"),
        (lambda d: d["cities"][2]["counties"].append({"code": "990102", "name": "新区"}),
         r"cities\[2\]\.counties\[3\]\.code: “990102” does not lie in 990200"),
        (lambda d: d["cities"][0]["counties"].append({"code": "999901", "name": "新区"}),
         r"code “999901” is given twice"),
        (lambda d: d.update(serves="990181"),
         r"serves: “990181” is not the province or one of its cities"),
        (lambda d: d.pop("province"), r"province: several cities need their \[province\]"),
        (lambda d: d.update(tiers=1), r"tiers: unknown key"),
        (lambda d: d["cities"][0].update(counties=[]), r"cities\[0\]\.counties: at least one"),
    ],
)  # fmt: skip
def test_every_mistake_is_named_with_its_key(edit, message):
    with pytest.raises(ConfigInvalid, match=message):
        tree_of(_broken(edit))


def test_the_city_of_city_toml_must_be_the_trees():
    tree = tree_of(SAMPLE)
    check_city(tree, source="regions.toml", code=CITY.region_code, counties=CITY.counties)
    with pytest.raises(ConfigInvalid, match=r"not in regions.toml: 新城区"):
        check_city(tree, source="regions.toml", code=CITY.region_code,
                   counties=[*CITY.counties, "新城区"])  # fmt: skip
    with pytest.raises(ConfigInvalid, match="is no city of the tree"):
        check_city(tree, source="regions.toml", code="990181", counties=[])
