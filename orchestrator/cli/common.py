"""What every command module shares: the context the root command built, reading the values of
options (times, people), and printing JSON. Commands raise
:class:`~orchestrator.errors.OrchestratorError`; ``orchestrator.cli`` turns it into a message and
an exit code, in one place."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import click

from orchestrator.accounts.model import AccountError
from orchestrator.alerts.model import ALERT_LEVELS, RESPONSE_LEVELS
from orchestrator.alerts.readings import in_service_years, parse_time
from orchestrator.errors import InputInvalid
from orchestrator.response.model import Person

if TYPE_CHECKING:  # the commands' modules stay light: `orchestrator --help` loads no library
    from orchestrator.bootstrap import Context
    from orchestrator.region.directives import Actor
    from orchestrator.scheduling.heartbeat import Heartbeat, RunResult
    from orchestrator.scheduling.province import ProvinceBeat

#: A level of the emission list (yellow, orange, red).
LEVEL = click.Choice([lv.value for lv in ALERT_LEVELS])
#: A level an alert may be drafted at: the list levels and the band below them (adverse:
#: 不利气象条件应对).
RESPONSE_LEVEL = click.Choice([lv.value for lv in RESPONSE_LEVELS])


def context_of(ctx: click.Context) -> Context:
    """The context the root command built (its clock fixed by ``--now``)."""
    root = ctx.find_root()
    if callable(root.obj):  # built once, on first use
        root.obj = root.obj()
    found: Context = root.obj
    return found


def instant(context: Context, text: str, option: str) -> dt.datetime:
    """An ISO 8601 instant given to ``option`` (naive = city time)."""
    try:
        t = in_service_years(dt.datetime.fromisoformat(text), option)
    except ValueError:
        raise InputInvalid(
            f"{option}: 时间格式应为ISO 8601（如2026-01-04T09:30），实为“{text}”"
        ) from None
    zone = context.settings.zone
    return t.replace(tzinfo=zone) if t.tzinfo is None else t.astimezone(zone)


def moment(context: Context, text: str, option: str) -> dt.datetime:
    """A time given to an alert option, read as the air-quality files read theirs."""
    t, _ = parse_time(text, option, context.settings.zone)
    return t


#: An API token of the console account the command signs as (scripts); else the account's
#: password is asked for.
TOKEN_ENV = "ORCHESTRATOR_TOKEN"


def person(context: Context, name: str) -> Person:
    """Someone of config/approval.toml, by name — once the installation has console accounts,
    only with that person's credential: the API token in ``ORCHESTRATOR_TOKEN`` of their
    account, or their account's password (asked for, hidden). An installation without accounts
    (the embedded default, the demo) acts by name, as config/approval.toml lists them."""
    return credentialed(context, context.response.person(name))


def province_person(context: Context, name: str) -> Actor:
    """Someone of config/province.toml, by name — with the credential of their provincial
    account once the installation has accounts (as :func:`person`)."""
    if context.province is None:
        raise InputInvalid("本系统不服务全省（config/regions.toml serves、config/province.toml）")
    return credentialed(context, context.province.person(name), region=context.area)


Signer = TypeVar("Signer", Person, "Actor")
T = TypeVar("T")


def credentialed(context: Context, found: Signer, *, region: str | None = None) -> Signer:
    """``found`` once its account's credential is shown (no accounts: by name alone); with
    ``region``, only an account of that region acts for it."""
    accounts = context.accounts()
    users = accounts.users()
    if not users:
        return found
    theirs = [
        u for u in users if u.display_name == found.name and (region is None or u.region == region)
    ]
    if not theirs:
        raise AccountError(
            f"“{found.name}”没有控制台账户，不能以其名义办理（orchestrator user add）"
        )
    now = context.clock.now()
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        user = accounts.token_user(token, now=now)
        if user is None or user.username not in {u.username for u in theirs}:
            raise AccountError(f"{TOKEN_ENV}中的API令牌不属于{found.name}，或已吊销、已过期")
        return found
    try:
        password: str = click.prompt(
            f"{found.name}（{theirs[0].username}）的登录密码", hide_input=True, err=True
        )
    except click.Abort:  # no terminal, nothing on standard input
        raise AccountError(
            f"以{found.name}的名义办理须验证身份：请设置{TOKEN_ENV}为其API令牌，或在终端中输入其密码"
        ) from None
    accounts.authenticate(theirs[0].username, password, now=now)
    return found


def date_option(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputInvalid(f"{option} 应为YYYY-MM-DD，实为“{text}”") from None


def echo_json(value: Any, **options: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, **options))


def operator() -> str:
    """Who runs a command that is audited, when no name is given: this machine's account."""
    return f"命令行（{getpass.getuser()}）"


#: What a scheduler run's status is called.
RUN_STATUS = {
    "done": "已完成",
    "failed": "失败",
    "skipped": "跳过",
    "taken": "已由其他进程执行",
    "missed": "已错过",
}


def heartbeat(context: Context, *, echo: bool) -> Heartbeat | ProvinceBeat:
    """The scheduler's jobs, each run reported on standard output when ``echo`` (on a
    provincial installation: every city's, and the province's)."""
    from orchestrator.scheduling.heartbeat import heartbeat_of
    from orchestrator.scheduling.province import province_beat_of

    def report(result: RunResult) -> None:
        if echo:
            click.echo(
                f"{result.slot:%Y-%m-%d %H:%M} {result.job}：{RUN_STATUS[result.status]}"
                f"{'，' + result.detail if result.detail else ''}"
            )

    if context.province_home:
        return province_beat_of(context, on_run=report)
    return heartbeat_of(context, on_run=report)


_PLACE = re.compile(r"^(?:[^:：]+:){2,}\s*(?:\d+:\s*)?")  # file:sheet:row:(column:)
_SHAPE = re.compile(r"^[^（(：:，,]{2,40}（[^）]{1,20}）|\d+(?:\.\d+)?")


def hint_shape(hint: str) -> str:
    """What a hint says without where and of whom: ``file:sheet:row:`` and a leading name with
    its bracket (示例市某某公司（焦化）) and the numbers taken out."""
    return _SHAPE.sub("", _PLACE.sub("", hint)).strip()


def summarised(hints: Sequence[str], *, shown: int = 3) -> list[str]:
    """Hints for a reader: of hints saying the same thing (:func:`hint_shape`) the first
    ``shown``, then one line counting the rest; in their first order."""
    groups: dict[str, list[str]] = {}
    for h in hints:
        groups.setdefault(hint_shape(h), []).append(h)
    out: list[str] = []
    for same in groups.values():
        out += same[:shown]
        if len(same) > shown:
            out.append(
                f"……同类提示另有{len(same) - shown}条（共{len(same)}条；加 --all-hints 查看全部）"
            )
    return out


class Progress:
    """A progress bar on standard error while something long runs — only on a terminal: piped
    or redirected, nothing is drawn. Called with (done, total), or with a phase's name."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = sys.stderr.isatty()
        self.bar: Any = None
        self.done = 0

    def __enter__(self) -> Progress:
        return self

    def __call__(self, done: int | str, total: int = 0) -> None:
        if not self.shown:
            return
        if isinstance(done, str):  # a phase
            click.echo(f"{self.label}：{done}……", err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=total, label=self.label, file=sys.stderr, show_pos=True, width=30
            ).__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def readings_from(
    src: Path | None,
    url: str | None,
    zone: ZoneInfo,
    read: Callable[[Path, ZoneInfo], list[T]],
    fetch: Callable[..., list[T]],
) -> list[T]:
    """Readings from the CSV file or the HTTP JSON source given (one of the two)."""
    if (src is None) == (url is None):
        raise InputInvalid("请给出一个CSV文件，或用 --url 给出数据地址（二者选一）")
    return read(src, zone) if src is not None else fetch(str(url), zone)
