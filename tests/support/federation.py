"""Two installations for the federation tests: the sample province's platform, hosting 示例市
and 东川市, with 西岭市 running its own installation (``[federation] cities``), and 西岭市's
own installation — each with its own configuration folder, signing key and database."""

from __future__ import annotations

import shutil
from pathlib import Path

from orchestrator.region.signing import keygen
from tests.support.base import ROOT

PROVINCE, WEST = "990000", "990200"


def keys(tmp_path: Path) -> Path:
    """Key pairs of the province and of 西岭市 (``<code>.key`` / ``<code>.pub``)."""
    folder = tmp_path / "keys"
    if not (folder / f"{PROVINCE}.key").exists():
        keygen(PROVINCE, folder)
        keygen(WEST, folder)
    return folder


def province_config(tmp_path: Path) -> Path:
    """The sample configuration with 西岭市 running its own installation, and its key."""
    folder = tmp_path / "province-config"
    if folder.exists():
        return folder
    shutil.copytree(ROOT / "config", folder)
    with (folder / "province.toml").open("a", encoding="utf-8") as out:
        out.write(f'\n[federation]\ncities = ["{WEST}"]\n')
    (folder / "federation").mkdir()
    shutil.copy(keys(tmp_path) / f"{WEST}.pub", folder / "federation" / f"{WEST}.pub")
    return folder


def city_config(tmp_path: Path) -> Path:
    """西岭市's own installation's configuration: its files over the shared ones (the sample
    city's own map, grading and controls left out), and the province's key."""
    folder = tmp_path / "city-config"
    if folder.exists():
        return folder
    shutil.copytree(ROOT / "config", folder, ignore=shutil.ignore_patterns("cities"))
    for name in ("map.toml", "grading.toml", "controls.toml"):
        (folder / name).unlink()
    for own in (ROOT / "config" / "cities" / WEST).iterdir():
        shutil.copy(own, folder / own.name)
    text = (folder / "regions.toml").read_text(encoding="utf-8")
    (folder / "regions.toml").write_text(
        text.replace('serves = "999900"', f'serves = "{WEST}"'), encoding="utf-8"
    )
    (folder / "federation").mkdir()
    shutil.copy(keys(tmp_path) / f"{PROVINCE}.pub", folder / "federation" / f"{PROVINCE}.pub")
    return folder


def city_settings(tmp_path: Path, url: str, token: str) -> dict[str, object]:
    """The settings of 西岭市's own installation, talking to the province at ``url``."""
    return {
        "region_code": WEST,
        "region_name": "西岭市",
        "serves": WEST,
        "config_dir": city_config(tmp_path),
        "data_dir": tmp_path / "city-data",
        "federation_key_file": keys(tmp_path) / f"{WEST}.key",
        "province_url": url,
        "province_token": token,
    }
