"""Command line: thin commands over the use cases, one module per command group. Exit 0 ok,
1 error, 2 unusable input or usage — decided here, in one place, from the kind of error a
command raised (:func:`exit_code`).

The root loads a command's module only when that command runs (or shows its help): the table
:data:`COMMANDS` names each command's module and its one-line summary, the only place that
summary is written, so ``orchestrator --help`` imports no command module at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
import json
import sys
from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.locale import use_chinese
from orchestrator.clock import FixedClock
from orchestrator.errors import InputInvalid, OrchestratorError

if TYPE_CHECKING:
    from orchestrator.bootstrap import Context


def exit_code(exc: OrchestratorError) -> int:
    """2 for unusable input (a value, a file), 1 for every other error; a list workbook with
    errors is 1 (the import's documented contract), a permit registry export 2."""
    from orchestrator.emissions.model import ListFileInvalid, PermitsInvalid

    if isinstance(exc, PermitsInvalid):
        return 2
    if isinstance(exc, ListFileInvalid):
        return 1
    if isinstance(exc, InputInvalid):
        return 2
    return 1


# command name: (module under orchestrator.cli, one-line summary shown by `orchestrator --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "alert": ("alerts", "预警办理：起草、审批、发布、调整、解除、查看。"),
    "aqi": ("aqi", "计算一条记录或CSV文件的空气质量指数（HJ 633）。"),
    "assess": ("aqi", "判断预报或实况序列是否达到预警条件。"),
    "assessment": ("assessment", "预警的应急响应效果评估。"),
    "compliance": ("delivery", "按用电和负荷数据核查预警措施落实情况。"),
    "consult": ("consult", "开展一次每日会商。"),
    "consultations": ("consult", "列出近期会商，新的在前。"),
    "controls": ("controls", "常态化管控：臭氧季VOCs管控、秋冬季错峰生产。"),
    "daily": ("daily", "应急管控工作日报：预警期间每日报送和落实情况汇总。"),
    "deliver": ("delivery", "投递已发布的通知，失败时重试。"),
    "directive": ("directives", "省级调度令：起草、审批、下达、解除，各市接收、上报和督办。"),
    "inspection": ("inspection", "帮扶和执法检查：在线监测和门禁数据，每日检查清单。"),
    "demo": ("demo", "用示例数据完整运行主要流程。"),
    "drill": ("drill", "在模拟时钟上开展应急演练。"),
    "federation": ("federation", "平台间对接：签名密钥及省级平台连接状态。"),
    "hint": ("alerts", "区域预警提示：省级或国家下达的指令。"),
    "list": ("lists", "应急减排清单：导入、版本、比对、核算、导出。"),
    "network": ("network", "应急响应网络：成员单位、属地及其各级职责。"),
    "load": ("delivery", "生产线逐时运行负荷。"),
    "negotiated": ("negotiated", "预警版本的协商减排。"),
    "notices": ("notices", "已发布预警的通知：发布通知、指令、短信、CAP。"),
    "power": ("delivery", "生产线逐时用电数据。"),
    "receipts": ("delivery", "最新通知的回执及须督办的企业。"),
    "region": ("region", "行政区划：省、市、县三级及本系统服务的范围。"),
    "replay": ("replay", "按日回放一个季度的预警研判。"),
    "rulesets": ("aqi", "列出预警分级规则及其依据文件和施行日期。"),
    "schedule": ("consult", "在前台运行定时任务。"),
    "serve": ("delivery", "运行网络服务（控制台、企业页面）和定时任务。"),
    "user": ("users", "控制台账号和API令牌。"),
}


def load_command(name: str) -> click.Command | None:
    """The command called ``name``, its module imported now; None for an unknown name."""
    entry = COMMANDS.get(name)
    if entry is None:
        return None
    module = importlib.import_module(f"orchestrator.cli.{entry[0]}")
    for command in module.COMMANDS:
        assert isinstance(command, click.Command)
        if command.name == name:
            command.short_help = entry[1]
            if isinstance(command, click.Group):
                for sub in command.commands.values():
                    sub.short_help = sub.short_help or summary(sub.help or "")
            return command
    raise LookupError(f"orchestrator.cli.{entry[0]} has no command {name!r}")


def summary(text: str, limit: int = 40) -> str:
    """A command's first sentence as a group's help lists it (click's own cut works on spaces,
    which Chinese has none of): up to the first 。, at most ``limit`` characters."""
    first = text.strip().split("\n\n", 1)[0].replace("\n", "").replace("    ", "")
    sentence = first.split("。", 1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


class Root(click.Group):
    """The root command: commands loaded on use from :data:`COMMANDS`; every deliberate error
    of a command becomes its message on standard error (each line marked 错误：) and its exit
    code — never a traceback. A command asked for ``--json`` prints the error as one JSON
    object on standard output instead (``{"error": …, "exit_code": …}``), so that a program
    reading it always reads JSON."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        use_chinese()  # click's own words (usage, options, errors) in Chinese
        return super().main(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # the summaries come from the table: listing them loads no command module
        rows = [(name, COMMANDS[name][1]) for name in sorted(COMMANDS)]
        with formatter.section("命令"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        wants_json = "--json" in ctx.args  # read before the group hands them on
        try:
            return super().invoke(ctx)
        except OrchestratorError as exc:
            code = exit_code(exc)
            if wants_json:
                message = str(exc) or type(exc).__name__
                click.echo(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False))
            else:
                for line in str(exc).splitlines() or [type(exc).__name__]:
                    click.echo(f"错误：{line}", err=True)
            ctx.exit(code)


@click.group(cls=Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--now",
    "now_text",
    metavar="ISO",
    help="将当前时间设为该时刻（不带时区的按本市时间），用于回放和测试。",
)
@click.option(
    "--city",
    "city",
    metavar="代码",
    help="省级平台上办理哪个市的事项（行政区划代码，如990100）；服务一个市的系统无须指明。",
)
@click.version_option(
    package_name="pollution-response-orchestrator",
    help="显示版本号并退出。",
    message="%(prog)s，版本 %(version)s",
)
@click.pass_context
def cli(ctx: click.Context, now_text: str | None, city: str | None) -> None:
    """重污染天气应急响应指挥平台的命令行。

    \b
    示例：
      orchestrator aqi --mode daily --pm25 160 --pm10 210 --json
    """
    # built when a command first asks for it (`context_of`): help and usage errors load
    # neither the configuration nor any library
    ctx.obj = functools.partial(_context, now_text, city)


def _context(now_text: str | None, city: str | None = None) -> Context:
    """The composition root, its clock fixed by ``--now``, one city's with ``--city``."""
    from orchestrator.bootstrap import bootstrap  # settings, configuration, the database layer

    context = bootstrap()
    if city is not None:
        context = context.city_context(city.strip())
    if now_text is not None:
        try:
            now = dt.datetime.fromisoformat(now_text)
        except ValueError:
            raise InputInvalid(
                f"--now: 时间格式应为ISO 8601（如2026-01-05T08:30），实为“{now_text}”"
            ) from None
        now = (
            now.replace(tzinfo=context.settings.zone)
            if now.tzinfo is None
            else now.astimezone(context.settings.zone)
        )
        context = dataclasses.replace(context, clock=FixedClock(now))
    return context


def main() -> None:
    cli(prog_name="orchestrator")
    sys.exit(0)
