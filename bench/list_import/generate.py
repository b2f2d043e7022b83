"""Synthetic emission lists of any size, in the canonical workbook layout.

    .venv/bin/python bench/list_import/generate.py --enterprises 300 --out emission_lists/sample_list.xlsx
    .venv/bin/python bench/list_import/generate.py --lines 100000 --out /tmp/big.xlsx

Enterprises of the fictional 示例市 over 13 industries, every grade and control category, 1–4
production lines each (enterprise cells merged vertically), measures taken from config/measures for
the grade, reductions consistent with them; plus dust sites and transport users (about 1 per 10
and 1 per 7.5 enterprises). Positions (经度, 纬度) lie inside each row's county by the outlines of
config/map.toml (one enterprise in 50 has none, as in real lists), drawn from a generator of their
own so that the rest of a list does not change with them. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from orchestrator.alerts.model import ALERT_LEVELS, AlertLevel  # noqa: E402
from orchestrator.bootstrap.config_files import load_city, load_measure_book  # noqa: E402
from orchestrator.emissions.model import (  # noqa: E402
    ControlCategory,
    Grade,
    MeasureKind,
    Species,
    uscc_check_char,
)
from orchestrator.emissions.template import COLUMNS, DUST, INDUSTRY, TRANSPORT  # noqa: E402
from orchestrator.geography.model import Position  # noqa: E402

INDUSTRIES = {
    # industry: (typical lines, baseline kg/d ranges so2, nox, pm, vocs)
    "钢铁": (["1#烧结机", "2#烧结机", "1#高炉", "球团竖炉", "石灰窑"], (300, 900, 200, 40)),
    "焦化": (["1#焦炉", "2#焦炉", "干熄焦"], (120, 500, 120, 300)),
    "水泥熟料": (["熟料生产线", "水泥粉磨"], (60, 700, 150, 10)),
    "铸造": (["冲天炉", "中频炉", "制芯工序"], (20, 40, 60, 40)),
    "砖瓦窑": (["隧道窑"], (60, 40, 40, 2)),
    "石灰窑": (["1#石灰窑", "2#石灰窑"], (30, 80, 60, 2)),
    "平板玻璃": (["浮法玻璃生产线"], (150, 600, 80, 5)),
    "化工": (["合成工序", "精馏工序", "储罐区"], (30, 60, 20, 200)),
    "工业涂装": (["喷涂线", "烘干线"], (2, 8, 10, 150)),
    "包装印刷": (["凹版印刷线", "复合工序"], (1, 3, 2, 120)),
    "火电及热力": (["1#机组", "2#机组"], (200, 500, 60, 5)),
    "陶瓷": (["辊道窑", "喷雾干燥塔"], (40, 90, 60, 5)),
    "家具制造": (["喷漆房", "打磨工序"], (1, 2, 15, 90)),
}
GRADES = [
    (Grade.A_PLUS, 2),
    (Grade.A, 8),
    (Grade.LEADING, 3),
    (Grade.B, 24),
    (Grade.B_MINUS, 10),
    (Grade.C, 24),
    (Grade.NON_LEADING, 4),
    (Grade.D, 20),
    (Grade.UNGRADED, 5),
]
SURNAMES = "华兴鑫隆盛泰丰源达恒宏昌永安金博瑞祥润通广利"
SUFFIX = {
    "钢铁": "钢铁",
    "焦化": "焦化",
    "水泥熟料": "水泥",
    "铸造": "铸造",
    "砖瓦窑": "新型建材",
    "石灰窑": "石灰",
    "平板玻璃": "玻璃",
    "化工": "化工",
    "工业涂装": "机械制造",
    "包装印刷": "包装印务",
    "火电及热力": "热电",
    "陶瓷": "陶瓷",
    "家具制造": "家具",
}


#: The city whose list is written: its configuration folder (``--city`` picks one of a provincial
#: installation's, config/cities/<code>/; its counties, and its map when it has one).
CITY = {"config": ROOT / "config", "code": 999900}


def _city_folder():
    from orchestrator.bootstrap.config_files import CityFolder

    folder = CITY["config"]
    return folder if folder == ROOT / "config" else CityFolder(folder, ROOT / "config")


def _city_name() -> str:
    return load_city(_city_folder()).region_name


def _uscc(rng: random.Random, n: int) -> str:
    body = f"91{int(CITY['code']) + rng.randrange(0, 7):06d}{n:09d}"[:17]
    body = body[:8] + "MA" + body[10:]  # a plausible organisation-code shape
    return body + uscc_check_char(body)


def _measure(
    book,
    industry: str,
    grade: Grade,
    category: ControlCategory,
    level: AlertLevel,
    base: list[float],
    rng,
):
    if category is ControlCategory.LONG_STOPPED:
        return ("长期停产，未经批准不得恢复生产", MeasureKind.STOP, "", [0.0] * 4)
    if category.load_capped:
        cap = {AlertLevel.YELLOW: 90, AlertLevel.ORANGE: 80, AlertLevel.RED: 70}[level]
        return (
            f"以热定产，负荷不超过设计负荷的{cap}%",
            MeasureKind.LOAD_CAP,
            cap,
            [b * (100 - cap) / 100 for b in base],
        )
    table = book.table(industry)
    entry = table.entry(grade, level)
    kind, text, value = entry.kind, entry.text, entry.value
    if kind is MeasureKind.STOP:
        red = list(base)
    elif kind is MeasureKind.LIMIT:
        red = [b * (value or 0) / 100 for b in base]
    elif kind is MeasureKind.COKING_TIME:
        red = [b * 0.2 for b in base]
    elif kind is MeasureKind.TRANSPORT:
        red = [0.0, b1 * 0.05, b2 * 0.08, 0.0] if (b1 := base[1]) and (b2 := base[2]) else [0.0] * 4
    else:
        red = [0.0] * 4
    return (text, kind, "" if value is None else value, red)


class Placer:
    """Random points inside a county's outline (config/map.toml), rounded to about 10 m."""

    def __init__(self, seed: int) -> None:
        from orchestrator.bootstrap.config_files import load_map
        from orchestrator.geography.outlines import Outlines

        config = load_map(_city_folder())
        self.outlines = (
            Outlines.read(_city_folder() / config.outlines)
            if config is not None and config.outlines
            else None
        )
        self.rng = random.Random(seed)

    def place(self, county: str) -> dict[str, float]:
        if self.outlines is None:  # a city without a map: no positions
            return {}
        west, south, east, north = self.outlines.bounds(county)
        while True:
            p = Position(
                lon=round(self.rng.uniform(west, east), 4),
                lat=round(self.rng.uniform(south, north), 4),
            )
            if self.outlines.covers(county, p):
                return {"lon": p.lon, "lat": p.lat}


def industry_rows(book, n_enterprises: int | None, n_lines: int | None, seed: int):
    """Yield (rows of one enterprise) lists of column dicts."""
    rng = random.Random(seed)
    placer = Placer(seed + 3)
    counties = load_city(_city_folder()).counties
    grades = [g for g, w in GRADES for _ in range(w)]
    made_lines = 0
    n = 0
    while (n_enterprises is not None and n < n_enterprises) or (
        n_lines is not None and made_lines < n_lines
    ):
        n += 1
        industry = (
            list(INDUSTRIES)[n % len(INDUSTRIES)] if n <= 26 else rng.choice(list(INDUSTRIES))
        )
        lines, ranges = INDUSTRIES[industry]
        grade = grades[(n * 7) % len(grades)] if n <= 100 else rng.choice(grades)
        if grade in (Grade.LEADING, Grade.NON_LEADING) and industry not in (
            "工业涂装",
            "包装印刷",
            "家具制造",
            "化工",
        ):
            grade = Grade.B
        category = ControlCategory.PERFORMANCE
        roll = rng.random()
        if industry == "火电及热力":
            category = ControlCategory.HEAT_LED if roll < 0.7 else ControlCategory.LIVELIHOOD
        elif roll < 0.03:
            category = ControlCategory.LONG_STOPPED
        elif roll < 0.06:
            category = ControlCategory.ORDER_LED
        elif roll < 0.09:
            category = ControlCategory.SMALL
        elif roll < 0.12:
            category = ControlCategory.GENERAL
        name = (
            f"{_city_name()}{rng.choice(SURNAMES)}{rng.choice(SURNAMES)}{SUFFIX[industry]}有限公司"
        )
        uscc = _uscc(rng, n)
        if n_lines is None:
            k = rng.randint(1, min(4, len(lines)))
            names = lines[:k]
        else:  # bulk lists: ≈ 3.3 lines per enterprise, as in big cities' lists
            k = max(1, min(rng.randint(2, 5), n_lines - made_lines))
            names = [*lines, *(f"{i}#辅助生产线" for i in range(1, 6))][:k]
        county = counties[n % len(counties)]
        place = placer.place(county) if n % 50 else {}
        rows = []
        for j, line in enumerate(names):
            scale = 0 if category is ControlCategory.LONG_STOPPED else rng.uniform(0.3, 1.5)
            base = [round(r * scale * rng.uniform(0.5, 1.2), 1) for r in ranges]
            rec = {
                "seq": n,
                "name": name,
                "uscc": uscc,
                "county": county,
                "town": f"{'东南西北中'[n % 5]}关街道",
                "industry": industry,
                "grade": grade.value,
                "category": category.value,
                "permit_no": "" if n % 37 == 0 else f"{uscc}001P",
                "line": line,
                "check_method": "分表计电" if j == 0 else "在线监测（CEMS）",
                "meter_no": f"DB{n:06d}{j}",
                "contact": f"{rng.choice('王李张刘陈杨赵黄周吴')}{rng.choice(['伟', '芳', '娜', '敏', '静', '强', '磊', '军'])}",
                "phone": f"139{n:08d}",
                "email": f"ep{n}@example.cn",
                "channel": "短信;邮件",
                **place,
            }
            rec |= {f"base_{s.value}": base[i] for i, s in enumerate(Species)}
            # Leave some C rows empty: the importer fills them from the measure table.
            skip_fill = grade is Grade.C and n % 29 == 0 and category is ControlCategory.PERFORMANCE
            for level in ALERT_LEVELS:
                if skip_fill or grade.autonomous:
                    if grade.autonomous:
                        rec |= {
                            f"{level.value}_text": "自主采取减排措施",
                            f"{level.value}_kind": "自主减排",
                        }
                    continue
                text, kind, value, red = _measure(
                    book,
                    industry,
                    grade if grade is not Grade.UNGRADED else Grade.D,
                    category,
                    level,
                    base,
                    rng,
                )
                rec |= {
                    f"{level.value}_text": text,
                    f"{level.value}_kind": kind.label,
                    f"{level.value}_value": value,
                }
                rec |= {f"{level.value}_{s.value}": round(red[i], 1) for i, s in enumerate(Species)}
            rows.append(rec)
        made_lines += len(rows)
        yield rows


def dust_rows(n: int, seed: int):
    rng = random.Random(seed + 1)
    placer = Placer(seed + 4)
    counties = load_city(_city_folder()).counties
    for i in range(1, n + 1):
        base = round(rng.uniform(5, 60), 1)
        kind = rng.choice(["建筑工地", "拆除工地", "市政工地", "物料堆场"])
        rec = {
            "name": f"{_city_name()}{rng.choice(SURNAMES)}{rng.choice(SURNAMES)}{['花园', '大厦', '道路改造', '堆场'][i % 4]}项目",
            "site_type": kind,
            "county": counties[i % len(counties)],
            "owner": f"{_city_name()}{rng.choice(SURNAMES)}置业有限公司",
            "uscc": "",
            "contact": "赵工",
            "phone": f"138{i:08d}",
            "base_pm": base,
            **placer.place(counties[i % len(counties)]),
        }
        for level, share, text in (
            (AlertLevel.YELLOW, 0.5, "停止土石方作业、拆除作业，加密洒水抑尘"),
            (AlertLevel.ORANGE, 0.7, "停止土石方、拆除、室外喷涂作业，渣土车禁止上路"),
            (AlertLevel.RED, 0.9, "停止一切室外施工作业"),
        ):
            rec |= {f"{level.value}_text": text, f"{level.value}_pm": round(base * share, 1)}
        yield rec


def transport_rows(n: int, seed: int):
    rng = random.Random(seed + 2)
    counties = load_city(_city_folder()).counties
    for i in range(1, n + 1):
        body = f"91{999900:06d}MA{i + 500000:07d}"[:17]
        trips = rng.randint(11, 300)
        rec = {
            "name": f"{_city_name()}{rng.choice(SURNAMES)}{rng.choice(SURNAMES)}物流有限公司",
            "uscc": body + uscc_check_char(body),
            "county": counties[i % len(counties)],
            "industry": "道路货物运输",
            "daily_trips": trips,
            "gate_camera": "是",
            "contact": "钱经理",
            "phone": f"137{i:08d}",
        }
        for level, share, text in (
            (AlertLevel.YELLOW, 0.1, "减少国四及以下柴油货车运输"),
            (AlertLevel.ORANGE, 0.3, "停止使用国四及以下柴油货车运输"),
            (AlertLevel.RED, 0.5, "停止使用国五及以下柴油货车运输"),
        ):
            rec |= {
                f"{level.value}_text": text,
                f"{level.value}_nox": round(trips * 0.9 * share, 1),
                f"{level.value}_pm": round(trips * 0.05 * share, 1),
            }
        yield rec


def write(
    out: Path, n_enterprises: int | None = None, n_lines: int | None = None, seed: int = 2026
) -> int:
    from openpyxl import Workbook

    book = load_measure_book(ROOT / "config")
    big = (n_lines or 0) > 5000 or (n_enterprises or 0) > 2000
    wb = Workbook(write_only=big)
    if big:
        ws = wb.create_sheet(INDUSTRY)
    else:
        ws = wb.active
        ws.title = INDUSTRY
    cols = COLUMNS[INDUSTRY]
    ws.append([c.header for c in cols])
    row = 2
    enterprises = 0
    for rows in industry_rows(book, n_enterprises, n_lines, seed):
        enterprises += 1
        for i, rec in enumerate(rows):
            # Real lists leave enterprise cells of the following lines blank (merged); do the same.
            cells = [("" if (i and c.enterprise_level) else rec.get(c.key, "")) for c in cols]
            ws.append(cells)
        if not big and len(rows) > 1:
            for idx, c in enumerate(cols, start=1):
                if c.enterprise_level:
                    ws.merge_cells(
                        start_row=row, start_column=idx, end_row=row + len(rows) - 1, end_column=idx
                    )
        row += len(rows)
    for sheet, gen in (
        (DUST, dust_rows(max(1, enterprises // 10), seed)),
        (TRANSPORT, transport_rows(max(1, enterprises * 2 // 15), seed)),
    ):
        w = wb.create_sheet(sheet)
        w.append([c.header for c in COLUMNS[sheet]])
        for rec in gen:
            w.append([rec.get(c.key, "") for c in COLUMNS[sheet]])
    wb.save(out)
    return row - 2


def main() -> None:
    ap = argparse.ArgumentParser(description="Write a synthetic emission list workbook.")
    ap.add_argument("--enterprises", type=int)
    ap.add_argument("--lines", type=int)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--city", help="a provincial installation's city (config/cities/<code>/)")
    args = ap.parse_args()
    if args.city:
        CITY.update(config=ROOT / "config" / "cities" / args.city, code=int(args.city))
    if (args.enterprises is None) == (args.lines is None):
        ap.error("give exactly one of --enterprises or --lines")
    lines = write(args.out, args.enterprises, args.lines, args.seed)
    print(f"wrote {lines} lines to {args.out}")


if __name__ == "__main__":
    main()
