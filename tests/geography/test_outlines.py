"""County outlines: which county a point lies in, which points lie outside the county they name,
and outlines that cannot be used, refused with the file and the feature."""

from __future__ import annotations

import json

import pytest

from orchestrator.bootstrap.config_files import load_map, load_outlines
from orchestrator.errors import ConfigInvalid
from orchestrator.geography.config import MapConfig
from orchestrator.geography.model import Position
from orchestrator.geography.outlines import Outlines
from tests.support.app import CITY
from tests.support.base import ROOT

CONFIG = ROOT / "config"


@pytest.fixture(scope="module")
def sample() -> Outlines:
    config = load_map(CONFIG)
    assert config is not None
    return load_outlines(CONFIG / config.outlines, config.name_property, CITY.counties)


def test_the_sample_outlines_cover_every_county_once(sample):
    assert sorted(sample.counties) == sorted(CITY.counties)
    assert sample.unknown(CITY.counties) == []


def test_a_point_lies_in_one_county(sample):
    # the station positions of config/map.toml lie in the urban districts
    assert sample.county_of(Position(lon=113.8631, lat=35.5412)) == "城东区"
    assert sample.county_of(Position(lon=113.7366, lat=35.5718)) == "城西区"
    assert sample.county_of(Position(lon=113.80, lat=35.75)) == "北山县"
    assert sample.county_of(Position(lon=100.0, lat=30.0)) == ""


def test_points_outside_the_county_they_name_are_found(sample):
    inside = ("企业“甲”", "北山县", Position(lon=113.80, lat=35.75))
    elsewhere = ("企业“乙”", "北山县", Position(lon=113.80, lat=35.30))
    outside = ("工地“丙”", "南川县", Position(lon=110.0, lat=35.30))
    unknown_county = ("企业“丁”", "不存在县", Position(lon=110.0, lat=35.30))
    found = sample.misplaced([inside, elsewhere, outside, unknown_county])
    assert [(m.what, m.found_in) for m in found] == [("企业“乙”", "南川县"), ("工地“丙”", "")]
    assert "位于“南川县”，与所填区县“北山县”不符" in found[0].message
    assert "不在本市任何区县范围内" in found[1].message


def _write(tmp_path, document) -> object:
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"type": "Feature"}, "not a GeoJSON FeatureCollection"),
        (
            {"type": "FeatureCollection", "features": [{"properties": {}, "geometry": SQUARE}]},
            "features[0]: no “name” property",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [{"properties": {"name": "城东区"}, "geometry": BOWTIE}],
            },
            "features[0] (城东区): a valid Polygon or MultiPolygon is needed",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [{"properties": {"name": "外县"}, "geometry": SQUARE}],
            },
            "county “外县” is not one of city.toml's counties",
        ),
    ],
)
def test_unusable_outlines_are_refused_naming_the_file(tmp_path, document, message):
    path = _write(tmp_path, document)
    with pytest.raises(ConfigInvalid) as err:
        load_outlines(path, "name", CITY.counties)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigInvalid, match="cannot be read as GeoJSON"):
        Outlines.read(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stations": {"甲站": {"lon": 113.8}}}, "stations.甲站: needs lon and lat"),
        ({"colours": {"signed": "blue"}}, "colours.signed: must be #rrggbb"),
        ({"colours": {"pink": "#ffffff"}}, "colours.pink: unknown"),
        ({"colour": {}}, "colour: unknown key"),
    ],
)
def test_map_config_mistakes_are_named(data, message):
    with pytest.raises(ConfigInvalid, match=message):
        MapConfig.from_mapping(data, source="map.toml")
