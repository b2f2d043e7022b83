"""Command line of console accounts: ``orchestrator user add|list|password|disable|enable|role|
token|tokens|revoke``."""

from __future__ import annotations

import datetime as dt
import sys

import click

from orchestrator.accounts.model import AccountError
from orchestrator.cli.common import context_of, echo_json, operator
from orchestrator.errors import InputInvalid
from orchestrator.response.model import Role


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    return value


@click.group("user")
def user_group() -> None:
    """控制台账号：按角色添加用户、列出、设置密码、停用或启用、更改角色，以及签发、列出和吊销API令牌。角色：admin（管理员）、duty_officer（值班员）、director（办公室主任）、vice_mayor（分管副市长）、mayor（市长）、viewer（查看人员）。

    \b
    示例：
      orchestrator user add zhang --name 张值班 --role duty_officer
      orchestrator user list
    """


@user_group.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="姓名（文件落款所用）。")
@click.option(
    "--role",
    type=click.Choice(sorted(r.value for r in Role)),
    required=True,
    help="用户的权限角色。",
)
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（供脚本使用）。")
@click.option(
    "--region",
    default=None,
    help="省级平台上账号所属的市（行政区划代码），如运行独立系统的市的对接账号；默认为 --city 所指的市，未指明则为全省。",
)
@click.pass_context
def user_add_command(
    ctx: click.Context,
    username: str,
    display_name: str,
    role: str,
    password_stdin: bool,
    region: str | None,
) -> None:
    """添加控制台用户。密码（至少10位，不能全为数字或全为字母）须输入两次，或从标准输入读取；只保存其Argon2id哈希。

    \b
    示例：
      orchestrator user add zhang --name 张值班 --role duty_officer
      printf '%s\\n' "$PASSWORD" | orchestrator user add wang --name 王副市长 --role vice_mayor --password-stdin
      orchestrator user add xiling --name 西岭市对接 --role duty_officer --region 990200
    """
    context = context_of(ctx)
    if region is not None:
        if not context.provincial:
            raise InputInvalid("--region 仅用于省级平台（本系统服务一个市，账号均属本市）")
        cities = {r.code for r in context.regions.cities()} if context.regions else set()
        if region not in cities:
            raise InputInvalid(f"“{region}”不是本省的市（config/regions.toml）")
    password = _password(password_stdin)
    user = context.accounts().add_user(
        username=username,
        display_name=display_name,
        role=role,
        password=password,
        now=context.clock.now(),
        region=region or context.account_region,
    )
    where = f"，{context.scope().name(user.region)}" if user.region else ""
    click.echo(f"已添加用户 {user.username}（{user.display_name}，{user.role_label}{where}）")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出JSON。")
@click.pass_context
def user_list_command(ctx: click.Context, as_json: bool) -> None:
    """控制台用户及其角色。

    \b
    示例：
      orchestrator user list
    """
    context = context_of(ctx)
    rows = context.accounts().users()
    if as_json:
        echo_json(
            [
                {
                    "username": u.username,
                    "name": u.display_name,
                    "role": u.role.value,
                    "region": u.region,
                    "active": u.active,
                }
                for u in rows
            ]
        )
        return
    if not rows:
        click.echo("尚无用户（orchestrator user add 添加）")
    scope = context.scope()
    for u in rows:
        state = "" if u.active else "（已停用）"
        place = f"  {scope.name(u.region)}" if u.region else ""
        click.echo(f"{u.username}  {u.display_name}  {u.role_label}{place}{state}")


@user_group.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码。")
@click.pass_context
def user_password_command(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """设置用户密码（并解除锁定）；该用户的会话全部结束。

    \b
    示例：
      orchestrator user password zhang
    """
    context = context_of(ctx)
    password = _password(password_stdin)
    context.accounts().set_password(username, password, by=operator(), now=context.clock.now())
    click.echo(f"用户 {username} 的密码已重设，其已登录的会话均已结束")


@user_group.command("disable")
@click.argument("username")
@click.pass_context
def user_disable_command(ctx: click.Context, username: str) -> None:
    """停用用户：在所有地方退出登录，API令牌不可用，拒绝登录。

    \b
    示例：
      orchestrator user disable zhang
    """
    context = context_of(ctx)
    context.accounts().set_active(username, False, by=operator(), now=context.clock.now())
    click.echo(f"用户 {username} 已停用：会话已结束，API令牌不再可用")


@user_group.command("enable")
@click.argument("username")
@click.pass_context
def user_enable_command(ctx: click.Context, username: str) -> None:
    """重新启用已停用的用户（未吊销且未过期的令牌恢复可用）。

    \b
    示例：
      orchestrator user enable zhang
    """
    context = context_of(ctx)
    context.accounts().set_active(username, True, by=operator(), now=context.clock.now())
    click.echo(f"用户 {username} 已启用")


@user_group.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(sorted(r.value for r in Role)))
@click.pass_context
def user_role_command(ctx: click.Context, username: str, role: str) -> None:
    """更改用户角色；该用户的会话全部结束。

    \b
    示例：
      orchestrator user role zhang director
    """
    context = context_of(ctx)
    user = context.accounts().set_role(username, Role(role), by=operator(), now=context.clock.now())
    click.echo(f"用户 {username} 的角色已改为{user.role_label}，其已登录的会话均已结束")


@user_group.command("token")
@click.argument("username")
@click.option("--name", "token_name", required=True, help="令牌用途。")
@click.option("--days", type=int, default=365, show_default=True, help="有效天数（1至3650）。")
@click.pass_context
def user_token_command(ctx: click.Context, username: str, token_name: str, days: int) -> None:
    """签发以 USERNAME 身份操作的API令牌，供系统对接使用（以 Authorization: Bearer … 发送），有效期 --days 天。令牌只显示一次，只保存其哈希。

    \b
    示例：
      orchestrator user token zhang --name 省级平台对接 --days 180
    """
    context = context_of(ctx)
    token = context.accounts().issue_token(
        username, token_name, now=context.clock.now(), days=days, by=operator()
    )
    click.echo(token)
    click.echo(
        f"以上为{username}的API令牌（{token_name}，{days}天内有效），仅显示一次，请妥善保存",
        err=True,
    )


@user_group.command("tokens")
@click.argument("username", required=False)
@click.option("--json", "as_json", is_flag=True, help="输出JSON。")
@click.pass_context
def user_tokens_command(ctx: click.Context, username: str | None, as_json: bool) -> None:
    """API令牌（USERNAME的，或全部用户的）：编号、用途、签发时间、最近使用、到期时间、状态——从不显示令牌本身。

    \b
    示例：
      orchestrator user tokens zhang
    """
    context = context_of(ctx)
    now, zone = context.clock.now(), context.settings.zone

    def when(t: dt.datetime | None) -> str:
        return f"{t.astimezone(zone):%Y-%m-%d %H:%M}" if t else "—"

    rows = context.accounts().tokens(username)
    if as_json:
        echo_json(
            [
                {
                    "id": t.id,
                    "username": t.username,
                    "name": t.name,
                    "created_at": t.created_at.astimezone(zone).isoformat(),
                    "last_used_at": t.last_used_at.astimezone(zone).isoformat()
                    if t.last_used_at
                    else None,
                    "expires_at": t.expires_at.astimezone(zone).isoformat()
                    if t.expires_at
                    else None,
                    "usable": t.usable(now),
                }
                for t in rows
            ]
        )
        return
    if not rows:
        click.echo("尚无API令牌（orchestrator user token 签发）")
    for t in rows:
        state = "已吊销" if t.revoked_at else ("可用" if t.usable(now) else "已过期")
        click.echo(
            f"{t.id}  {t.username}  {t.name}  签发{when(t.created_at)}  "
            f"最近使用{when(t.last_used_at)}  有效期至{when(t.expires_at)}  {state}"
        )


@user_group.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def user_revoke_command(ctx: click.Context, token_id: int) -> None:
    """吊销API令牌（编号见 orchestrator user tokens）：此后一律拒绝。

    \b
    示例：
      orchestrator user revoke 1
    """
    context = context_of(ctx)
    if not context.accounts().revoke_token(token_id, now=context.clock.now(), by=operator()):
        raise AccountError(f"没有可吊销的API令牌{token_id}（不存在或已吊销）")
    click.echo(f"API令牌{token_id}已吊销")


COMMANDS = (user_group,)
