"""Command line of the federation between installations: ``orchestrator federation keygen|
status``."""

from __future__ import annotations

from pathlib import Path

import click

from orchestrator.cli.common import context_of, echo_json


@click.group("federation")
def federation_group() -> None:
    """平台间对接：省级平台与运行独立系统的市之间以签名消息传递调度令和上报。本平台以自己的私钥（设置 federation_key_file）签名，以对方的公钥（config/federation/代码.pub）验签。

    \b
    示例：
      orchestrator federation keygen --out data/federation
      orchestrator federation status
    """


@federation_group.command("keygen")
@click.option(
    "--out",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="密钥写入的目录（私钥仅本人可读，不覆盖已有私钥）。",
)
@click.pass_context
def keygen_command(ctx: click.Context, folder: Path) -> None:
    """为本平台生成Ed25519签名密钥对：私钥“代码.key”由本平台保管（设置 federation_key_file 指向它），公钥“代码.pub”交对方平台放入其 config/federation/。

    \b
    示例：
      orchestrator federation keygen --out data/federation
    """
    from orchestrator.region.signing import keygen

    context = context_of(ctx)
    private, public = keygen(context.area, folder)
    click.echo(f"已生成私钥 {private}（请妥善保管，设置 federation_key_file 指向它）")
    click.echo(f"已生成公钥 {public}（交对方平台，放入其 config/federation/{public.name}）")


@federation_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="输出JSON。")
@click.pass_context
def status_command(ctx: click.Context, as_json: bool) -> None:
    """本平台的对接状态：本市连接的省级平台及待发送的上报（省级平台：运行独立系统的市）。

    \b
    示例：
      orchestrator federation status
    """
    context = context_of(ctx)
    if context.province_home:
        assert context.province is not None
        cities = list(context.province.federated)
        if as_json:
            echo_json({"province": context.area, "federated_cities": cities})
            return
        click.echo(
            "运行独立系统的市：" + ("、".join(cities) if cities else "无（各市均由本平台承载）")
        )
        return
    if not context.federated:
        if as_json:
            echo_json({"city": context.area, "province_url": None, "pending": []})
            return
        click.echo("本系统未连接省级平台（设置 province_url 和 province_token）")
        return
    pending = context.city_exchange().pending()
    if as_json:
        echo_json(
            {
                "city": context.area,
                "province_url": context.settings.province_url,
                "pending": [{**p, "next_at": p["next_at"].isoformat()} for p in pending],
            }
        )
        return
    click.echo(f"省级平台：{context.settings.province_url}；待发送上报{len(pending)}份")
    for p in pending:
        error = f"，上次失败：{p['error']}" if p["error"] else ""
        click.echo(f"  {p['key']}：已尝试{p['attempts']}次{error}")


COMMANDS = (federation_group,)
