"""Command line of the administrative tiers (行政区划): ``orchestrator region``."""

from __future__ import annotations

import click

from orchestrator.cli.common import context_of, echo_json
from orchestrator.errors import InputInvalid


@click.command("region")
@click.option("--json", "as_json", is_flag=True, help="输出一个JSON对象。")
@click.pass_context
def region_command(ctx: click.Context, as_json: bool) -> None:
    """列出省、市、县三级行政区划（GB/T 2260代码）及本系统服务的范围。区划见 config/regions.toml。

    本系统可服务一个市（默认），也可作为省级平台服务全省各市。

    \b
    示例：
      orchestrator region
      orchestrator region --json
    """
    tree = context_of(ctx).regions
    if tree is None:
        raise InputInvalid(
            "未配置行政区划（config/regions.toml），本系统仅服务 config/city.toml 所列的市"
        )
    served = tree.served
    if as_json:
        echo_json(
            {
                "serves": served.code,
                "provincial": tree.provincial,
                "regions": [
                    {"code": r.code, "name": r.name, "tier": r.tier.value, "parent": r.parent}
                    for _, r in tree.walk()
                ],
            }
        )
        return
    scope = "省级平台，服务全省各市" if tree.provincial else "服务一个市"
    click.echo(f"本系统服务：{served.name}（{served.code}，{scope}）")
    for depth, r in tree.walk():
        mark = "  ← 本系统" if r.code == served.code else ""
        click.echo(f"{'  ' * depth}{r.name}（{r.code}）{mark}")


COMMANDS = (region_command,)
