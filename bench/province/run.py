"""Benchmark: one 调度令 to every city of a province — each city's alert drafted on receipt,
approved, issued, its plan frozen and its orders and task notices rendered and stored — on a
provincial installation on PostgreSQL (each city in a schema of its own); and the province's
dashboard under concurrent clients.

Goal (issue "Province, city, county"): 11 cities × 10,000 enterprises dispatched within 1.5×
the single-city dispatch time per enterprise (the floor: one city alone, the same list size,
measured in the same run), and the province's page (``/``) at a p95 ≤ 200 ms with 50 clients
(its floor: ``/healthz`` under the same load, in the same run).

    .venv/bin/python bench/province/run.py [--cities 11] [--enterprises 10000] [--clients 50]

The synthetic province (its regions.toml, each city's folder derived from the sample 东川市's)
and the cities' workbooks are made once under bench/province/.cache/ and reused; every run
imports the lists afresh (not timed). Writes bench/results/province.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results"
CACHE = (
    Path(os.environ["BENCH_CACHE"]) / "province"
    if os.environ.get("BENCH_CACHE")
    else HERE / ".cache"
)
sys.path.insert(0, str(ROOT))

from bench.meta import provenance  # noqa: E402

PROVINCE = "990000"
RATIO_GOAL = 1.5
P95_GOAL_MS = 200.0
STEMS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"
PASSWORD = "bench-province-2026"


def city_codes(n: int) -> list[str]:
    """The sample city of config/ and n - 1 synthetic ones (990100, 990200, …)."""
    return ["999900", *(f"99{i:02d}00" for i in range(1, n))]


def _uscc(first17: str) -> str:
    from orchestrator.emissions.model import uscc_check_char

    return first17 + uscc_check_char(first17)


def make_config(n: int) -> Path:
    """config/ with a province of ``n`` cities: regions.toml, and each synthetic city's folder
    made from 东川市's with its code, names and network's codes replaced."""
    folder = CACHE / f"config-{n}"
    if folder.exists():
        return folder
    tmp = folder.with_suffix(".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(ROOT / "config", tmp, ignore=shutil.ignore_patterns("cities"))
    sample = (ROOT / "config" / "regions.toml").read_text(encoding="utf-8")
    head = sample[: sample.index("[[cities]]")].replace(
        'serves = "999900"', f'serves = "{PROVINCE}"'
    )
    first = sample[sample.index("[[cities]]") : sample.index('[[cities]]\ncode = "990100"')]
    blocks = [first]
    east = ROOT / "config" / "cities" / "990100"
    for i, code in enumerate(city_codes(n)[1:]):
        stem = STEMS[i] + "川"
        own = tmp / "cities" / code
        own.mkdir(parents=True)
        for f in east.iterdir():
            text = f.read_text(encoding="utf-8").replace("990100", code).replace("东川", stem)
            text = re.sub(r'uscc = "(11\d{15})\w"', lambda m: f'uscc = "{_uscc(m.group(1))}"', text)
            (own / f.name).write_text(text, encoding="utf-8")
        c4 = code[:4]
        blocks.append(
            f'[[cities]]\ncode = "{code}"\nname = "{stem}市"\ncounties = [\n'
            f'  {{ code = "{c4}02", name = "{stem}区" }},\n'
            f'  {{ code = "{c4}21", name = "安平县" }},\n'
            f'  {{ code = "{c4}81", name = "青河市" }},\n]\n\n'
        )
    (tmp / "regions.toml").write_text(head + "".join(blocks), encoding="utf-8")
    tmp.rename(folder)
    return folder


def workbook(config: Path, code: str, enterprises: int) -> Path:
    """The city's generated list (made once)."""
    out = CACHE / f"list-{code}-{enterprises}e.xlsx"
    if out.exists():
        return out
    from bench.list_import import generate

    if code == "999900":
        generate.CITY.update(config=ROOT / "config", code=999900)
    else:
        generate.CITY.update(config=config / "cities" / code, code=int(code))
    print(f"generating {out.name} …", flush=True)
    generate.write(out.with_suffix(".tmp.xlsx"), n_enterprises=enterprises)
    out.with_suffix(".tmp.xlsx").rename(out)
    return out


def pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={urllib.parse.quote(f'-csearch_path={schema}')}"


def drop_schemas(base: str, prefix: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as conn:
        names = conn.execute(text("SELECT nspname FROM pg_namespace")).scalars()
        for name in [n for n in names if n.startswith(prefix + "_")]:  # this run's own only
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def context(config: Path, url: str, serves: str) -> Any:
    from orchestrator.bootstrap import bootstrap
    from orchestrator.clock import FixedClock
    from orchestrator.db.database import open_database
    from orchestrator.settings import Settings

    ctx = bootstrap(
        Settings(config_dir=config, data_dir=CACHE / "data", serves=serves),
        clock=FixedClock(dt.datetime(2026, 1, 4, 9, 0, tzinfo=dt.UTC)),
    )
    return ctx.on(open_database(url))


def import_lists(ctx: Any, codes: list[str], books: dict[str, Path]) -> None:
    for code in codes:
        city = ctx.city_context(code) if ctx.provincial else ctx
        city.lists().import_list(
            books[code],
            effective_from=dt.date(2025, 10, 1),
            now=dt.datetime(2025, 9, 30, tzinfo=dt.UTC),
            by="基准测试",
        )


def issue_city_alert(city: Any, alert_id: int, now: dt.datetime) -> int:
    """The drafted alert of a city submitted, approved and issued by its own people: the
    number of orders stored."""
    from orchestrator.alerts.model import AlertLevel

    people = list(city.response.people.values())
    duty = next(p for p in people if p.role.value == "duty_officer")
    boss = city.response.approver_for(AlertLevel.ORANGE)
    command = city.alerts()
    command.submit(alert_id, by=duty, now=now)
    approval = command.approve(alert_id, by=boss, now=now)
    issued = command.issue(
        alert_id, by=duty, now=now, override="基准测试" if approval.shortfall else None
    )
    return int(issued.notices.orders)


def single(
    config: Path, base: str, enterprises: int, books: dict[str, Path], prefix: str
) -> dict[str, Any]:
    """The floor: 990100 alone, as a city's own installation: an alert drafted, approved and
    issued over the same list size."""
    from orchestrator.alerts.model import AlertLevel
    from orchestrator.response.model import Draft, RevisionKind

    schema = f"{prefix}_single"
    url = pg_schema_url(base, schema)
    from sqlalchemy import text

    from orchestrator.db.database import make_engine

    eng = make_engine(base)
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    ctx = context(config, url, "999900")
    import_lists(ctx, ["999900"], books)
    now = dt.datetime(2026, 1, 4, 10, 0, tzinfo=dt.UTC)
    duty = ctx.response.person("张值班")
    draft = ctx.alerts().draft(
        Draft(
            kind=RevisionKind.ISSUE,
            level=AlertLevel.ORANGE,
            start=dt.datetime(2026, 1, 6, tzinfo=dt.UTC),
            end=dt.datetime(2026, 1, 9, tzinfo=dt.UTC),
            reason="基准测试",
        ),
        by=duty,
        now=now,
    )
    t0 = time.perf_counter()
    orders = issue_city_alert(ctx, draft.alert_id, now)
    seconds = time.perf_counter() - t0
    ctx.database().engine.dispose()
    return {
        "enterprises": enterprises,
        "orders": orders,
        "seconds": round(seconds, 2),
        "ms_per_enterprise": round(seconds / enterprises * 1000, 3),
    }


def province(
    config: Path, base: str, codes: list[str], books: dict[str, Path], prefix: str
) -> tuple[Any, dict[str, Any]]:
    """The 调度令 to every city, each city's alert issued: timed from the province's issue to
    the last city's stored notices."""
    from orchestrator.alerts.model import AlertLevel
    from orchestrator.region.directives import DirectiveAction

    url = pg_schema_url(base, f"{prefix}_p")  # each city's: <prefix>_p_c<code>
    ctx = context(config, url, PROVINCE)
    import_lists(ctx, codes, books)
    office = ctx.province_office()
    duty, boss = ctx.province.person("高省值班"), ctx.province.person("韩省主任")
    now = dt.datetime(2026, 1, 4, 10, 0, tzinfo=dt.UTC)
    d = office.draft(
        title="关于启动重污染天气橙色预警的调度令",
        cities=codes,
        level=AlertLevel.ORANGE,
        start=dt.datetime(2026, 1, 6, tzinfo=dt.UTC),
        end=dt.datetime(2026, 1, 9, tzinfo=dt.UTC),
        measures=["重点企业驻厂监管"],
        reason="基准测试",
        by=duty,
        now=now,
    )
    office.act(d.id, DirectiveAction.SUBMIT, by=duty, now=now)
    office.act(d.id, DirectiveAction.APPROVE, by=boss, now=now)
    t0 = time.perf_counter()
    office.act(d.id, DirectiveAction.ISSUE, by=duty, now=now)  # handed to every city
    handed = time.perf_counter() - t0
    orders = tasks = 0
    for code in codes:
        city = ctx.city_context(code)
        [got] = city.directive_desk().received()
        orders += issue_city_alert(city, got.alert_id, now)
        rev = city.alerts().revisions(got.alert_id)[-1]
        tasks += len(city.notices().tasks(rev.revision_id))
    seconds = time.perf_counter() - t0
    return ctx, {
        "cities": len(codes),
        "orders": orders,
        "task_notices": tasks,
        "hand_over_s": round(handed, 2),
        "seconds": round(seconds, 2),
        "url": url,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client(threading.Thread):
    def __init__(self, port: int, path: str, n: int, cookie: str) -> None:
        super().__init__(daemon=True)
        self.port, self.path, self.n, self.cookie = port, path, n, cookie
        self.times: list[float] = []
        self.errors = 0

    def run(self) -> None:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for _ in range(self.n):
            t0 = time.perf_counter()
            conn.request("GET", self.path, headers={"Cookie": self.cookie})
            r = conn.getresponse()
            r.read()
            self.times.append((time.perf_counter() - t0) * 1000)
            if r.status != 200:
                self.errors += 1
        conn.close()


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))], 1)


def dashboard(
    ctx: Any, config: Path, url: str, clients: int, per: int, workers: int
) -> dict[str, Any]:
    """The province's page under ``clients`` concurrent signed-in clients, next to /healthz."""
    import requests

    ctx.accounts().add_user(
        username="gao",
        display_name="高省值班",
        role="duty_officer",
        password=PASSWORD,
        now=dt.datetime(2026, 1, 4, 8, 0, tzinfo=dt.UTC),
        region=PROVINCE,
    )
    port = free_port()
    env = {
        **os.environ,
        "ORCHESTRATOR_DATABASE_URL": url,
        "ORCHESTRATOR_CONFIG_DIR": str(config),
        "ORCHESTRATOR_DATA_DIR": str(CACHE / "data"),
        "ORCHESTRATOR_SERVES": PROVINCE,
        "ORCHESTRATOR_LINK_SECRET": "bench-province-link-secret",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "--now", "2026-01-06T12:00", "serve",
         "--no-scheduler", "--no-worker", "--port", str(port), "--workers", str(workers)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit(server.stderr.read() if server.stderr else "server did not start")
                time.sleep(0.3)
        http = requests.Session()
        form = http.get(base + "/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        r = http.post(
            base + "/login",
            data={"csrf": csrf.group(1), "username": "gao", "password": PASSWORD, "next": "/"},
            allow_redirects=False,
        )
        assert r.status_code == 303, r.text[:300]
        cookie = f"orc_session={http.cookies['orc_session']}"
        page = http.get(base + "/").text
        assert "示省重污调" in page, page[:500]
        out: dict[str, Any] = {"clients": clients, "server_processes": workers}
        for name, path in (("healthz", "/healthz"), ("dashboard", "/")):
            Client(port, path, 3, cookie).run()  # warm-up
            threads = [Client(port, path, per, cookie) for _ in range(clients)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            seconds = time.perf_counter() - t0
            xs = [x for t in threads for x in t.times]
            out[name] = {
                "requests": len(xs),
                "errors": sum(t.errors for t in threads),
                "requests_per_s": round(len(xs) / seconds, 1),
                "p50_ms": pct(xs, 50),
                "p95_ms": pct(xs, 95),
                "p99_ms": pct(xs, 99),
            }
        return out
    finally:
        server.terminate()
        server.wait(20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cities", type=int, default=11)
    ap.add_argument("--enterprises", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=20, help="requests per client")
    ap.add_argument(
        "--workers", type=int, default=2, help="server processes (serve --workers; one per core)"
    )
    ap.add_argument(
        "--postgres",
        default=os.environ.get(
            "ORCHESTRATOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    ap.add_argument("--out", type=Path, default=RESULTS / "province.json")
    ap.add_argument(
        "--schema-prefix",
        default=f"orc_bprov_{os.getpid()}",
        help="the PostgreSQL schemas of the run begin with it (all dropped at the end)",
    )
    args = ap.parse_args()
    if args.cities < 2 or args.cities > len(STEMS) + 1:
        ap.error(f"--cities: 2 to {len(STEMS) + 1}")
    CACHE.mkdir(parents=True, exist_ok=True)
    config = make_config(args.cities)
    codes = city_codes(args.cities)
    books = {c: workbook(config, c, args.enterprises) for c in codes}
    prefix = args.schema_prefix
    try:
        floor = single(config, args.postgres, args.enterprises, books, prefix)
        print(f"single city: {floor}", flush=True)
        ctx, prov = province(config, args.postgres, codes, books, prefix)
        print(f"province: {prov}", flush=True)
        per = prov["seconds"] / (args.cities * args.enterprises) * 1000
        ratio = round(per / floor["ms_per_enterprise"], 2) if floor["ms_per_enterprise"] else None
        board = dashboard(ctx, config, prov.pop("url"), args.clients, args.requests, args.workers)
        ctx.database().engine.dispose()
    finally:
        drop_schemas(args.postgres, prefix)
    result = {
        **provenance(),
        "database": "postgresql",
        "enterprises_per_city": args.enterprises,
        "single_city": floor,
        "province": {**prov, "ms_per_enterprise": round(per, 3), "ratio_to_single": ratio},
        "dashboard": board,
        "goal": {"ratio": RATIO_GOAL, "dashboard_p95_ms": P95_GOAL_MS},
        "met": {
            "ratio": ratio is not None and ratio <= RATIO_GOAL,
            "dashboard_p95": board["dashboard"]["p95_ms"] <= P95_GOAL_MS,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
