"""Regenerates the sample registries of 示例市 from the sample list (deterministic), with the
defects a coverage check must find planted. Run: python samples/make_registries.py

- permits.csv (排污许可名录): the listed enterprises with their permits, except 9 absent and 1
  whose permit was revoked (注销); 2 permit numbers that differ from the list's; 1 name changed;
  the 8 listed without a permit number carry one here; 4 air-emitting holders not listed; 3
  登记管理 registrants with VOCs (汽修, printing) not listed; a holder without air emissions and a
  revoked air holder, neither to be reported.
- sites.csv (在建工地名录): the listed sites but one, one of them 竣工; 3 sites under construction
  that are not listed and one finished that is not.
- transport.csv (重点用车单位名录): the listed transport users but two, and two more.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from orchestrator.emissions.model import uscc_check_char  # noqa: E402
from orchestrator.emissions.parse import parse_list  # noqa: E402
from orchestrator.emissions.workbook import read_workbook  # noqa: E402

OUT = HERE / "registries"


def _uscc(i: int) -> str:
    body = f"91{999900:06d}MA{i + 600000:07d}"[:17]
    return body + uscc_check_char(body)


def _write(name: str, header: list[str], rows: list[list[object]]) -> None:
    OUT.mkdir(exist_ok=True)
    with (OUT / name).open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main() -> None:
    from orchestrator.bootstrap import bootstrap

    ctx = bootstrap()
    lst = parse_list(
        "sample_list.xlsx",
        read_workbook(ROOT / "emission_lists" / "sample_list.xlsx"),
        counties=ctx.city.counties,
        book=ctx.measures,
    ).emission_list
    header = ["统一社会信用代码", "单位名称", "许可证编号", "管理类别", "区县", "行业类别",
              "涉气", "主要污染物类别", "许可产能", "状态"]  # fmt: skip
    rows: list[list[object]] = []
    for n, e in enumerate(lst.enterprises, start=1):
        if n % 31 == 0 and n < 300:  # 9 absent from the registry
            continue
        permit = e.permit_no or f"{e.uscc}001X"
        if n in (12, 47):
            permit = f"{e.uscc}002P"  # re-issued; the list kept the old number
        name = e.name.replace("有限公司", "股份有限公司") if n == 88 else e.name
        status = "注销" if n == 300 else "有效"
        rows.append(
            [e.uscc, name, permit, "重点管理" if n % 3 else "简化管理", e.county,
             e.industries[0], "是", "颗粒物,二氧化硫,氮氧化物,VOCs", f"年产{n % 90 + 10}万吨", status]
        )  # fmt: skip
    extra = [
        ("示例市宏远铸造有限公司", "北山县", "铸造", "重点管理", "是", "颗粒物,二氧化硫", "有效"),
        ("示例市恒通化工有限公司", "河口县", "化工", "重点管理", "是", "VOCs,氮氧化物", "有效"),
        ("示例市东方石材有限公司", "南川县", "其他", "简化管理", "是", "颗粒物", "有效"),
        ("示例市兴华包装印刷有限公司", "城东区", "包装印刷", "简化管理", "是", "VOCs", "有效"),
        ("示例市快捷汽车维修服务有限公司", "城西区", "汽车修理", "登记管理", "否", "VOCs", "有效"),
        (
            "示例市美印图文制作有限公司",
            "高新区",
            "包装印刷",
            "登记管理",
            "否",
            "挥发性有机物",
            "有效",
        ),
        ("示例市顺达汽车维修有限公司", "清源市", "汽车修理", "登记管理", "否", "VOCs", "有效"),
        (
            "示例市清泉水务有限公司",
            "河口县",
            "污水处理",
            "简化管理",
            "否",
            "化学需氧量,氨氮",
            "有效",
        ),
        ("示例市旧窑砖瓦有限公司", "南川县", "砖瓦", "简化管理", "是", "颗粒物,二氧化硫", "注销"),
    ]
    for i, (name, county, industry, category, air, pollutants, status) in enumerate(extra, 1):
        uscc = _uscc(i)
        number = f"{uscc}001{'W' if category == '登记管理' else 'P'}"
        rows.append(
            [uscc, name, number, category, county, industry, air, pollutants, "", status]
        )  # fmt: skip
    _write("permits.csv", header, rows)

    sites: list[list[object]] = []
    for i, s in enumerate(lst.dust_sites, start=1):
        if i == 7:
            continue  # listed, not in the register
        status = "竣工" if i == 3 else "在建"
        sites.append([s.name, s.county, s.owner, f"SG{999900}{i:04d}", status])
    for i, (name, county, status) in enumerate(
        [("示例市滨河公园二期项目", "城东区", "在建"), ("示例市北环路改造项目", "北山县", "在建"),
         ("示例市职教园区项目", "高新区", "在建"), ("示例市老城棚改一期项目", "城西区", "竣工")],
        start=90,
    ):  # fmt: skip
        sites.append([name, county, "示例市城投置业有限公司", f"SG{999900}{i:04d}", status])
    _write("sites.csv", ["项目名称", "区县", "建设单位", "施工许可证号", "状态"], sites)

    users: list[list[object]] = []
    for i, u in enumerate(lst.transport_users, start=1):
        if i in (5, 23):
            continue
        users.append([u.uscc, u.name, u.county, u.daily_trips, "有效"])
    for i, (name, county, trips) in enumerate(
        [("示例市通达砂石运输有限公司", "南川县", 64), ("示例市金运物流有限公司", "河口县", 35)],
        start=50,
    ):
        users.append([_uscc(i), name, county, trips, "有效"])
    _write(
        "transport.csv", ["统一社会信用代码", "单位名称", "区县", "日均货车运输车次", "状态"], users
    )


if __name__ == "__main__":
    main()
