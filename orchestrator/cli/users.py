"""Command line of console accounts: ``orchestrator user add|list|password|disable|enable|role|
token|tokens|revoke``."""

from __future__ import annotations

import datetime as dt
import sys

import click

from orchestrator.accounts.model import AccountError
from orchestrator.cli.common import context_of, echo_json, operator
from orchestrator.response.model import Role


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    return value


@click.group("user")
def user_group() -> None:
    """Console accounts: add users with a role, list them, set a password, disable or enable
    them, change their role, issue, list and revoke API tokens. Roles: admin, duty_officer,
    director, vice_mayor, mayor, viewer.

    \b
    Example:
      orchestrator user add zhang --name 张值班 --role duty_officer
      orchestrator user list
    """


@user_group.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Full name, as signed on documents.")
@click.option(
    "--role",
    type=click.Choice(sorted(r.value for r in Role)),
    required=True,
    help="What the user may do.",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
@click.pass_context
def user_add_command(
    ctx: click.Context, username: str, display_name: str, role: str, password_stdin: bool
) -> None:
    """Add a console user. The password (at least 10 characters, not only digits or only
    letters) is asked for twice, or read from standard input; only its Argon2id hash is kept.

    \b
    Example:
      orchestrator user add zhang --name 张值班 --role duty_officer
      printf '%s\\n' "$PASSWORD" | orchestrator user add wang --name 王副市长 --role vice_mayor --password-stdin
    """
    context = context_of(ctx)
    password = _password(password_stdin)
    user = context.accounts().add_user(
        username=username,
        display_name=display_name,
        role=role,
        password=password,
        now=context.clock.now(),
    )
    click.echo(f"已添加用户 {user.username}（{user.display_name}，{user.role_label}）")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def user_list_command(ctx: click.Context, as_json: bool) -> None:
    """The console users and their roles.

    \b
    Example:
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
                    "active": u.active,
                }
                for u in rows
            ]
        )
        return
    if not rows:
        click.echo("尚无用户（orchestrator user add 添加）")
    for u in rows:
        state = "" if u.active else "（已停用）"
        click.echo(f"{u.username}  {u.display_name}  {u.role_label}{state}")


@user_group.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def user_password_command(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Set a user's password (and lift a lockout); the user's sessions end.

    \b
    Example:
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
    """Disable a user: signed out everywhere, API tokens unusable, sign-in refused.

    \b
    Example:
      orchestrator user disable zhang
    """
    context = context_of(ctx)
    context.accounts().set_active(username, False, by=operator(), now=context.clock.now())
    click.echo(f"用户 {username} 已停用：会话已结束，API令牌不再可用")


@user_group.command("enable")
@click.argument("username")
@click.pass_context
def user_enable_command(ctx: click.Context, username: str) -> None:
    """Enable a disabled user again (tokens not revoked or expired work again).

    \b
    Example:
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
    """Give a user another role; the user's sessions end.

    \b
    Example:
      orchestrator user role zhang director
    """
    context = context_of(ctx)
    user = context.accounts().set_role(username, Role(role), by=operator(), now=context.clock.now())
    click.echo(f"用户 {username} 的角色已改为{user.role_label}，其已登录的会话均已结束")


@user_group.command("token")
@click.argument("username")
@click.option("--name", "token_name", required=True, help="What the token is for.")
@click.option(
    "--days", type=int, default=365, show_default=True, help="Days until it expires (1–3650)."
)
@click.pass_context
def user_token_command(ctx: click.Context, username: str, token_name: str, days: int) -> None:
    """Issue an API token acting as USERNAME, for an integration (sent as
    `Authorization: Bearer …`), valid for --days. It is printed once; only its hash is kept.

    \b
    Example:
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
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def user_tokens_command(ctx: click.Context, username: str | None, as_json: bool) -> None:
    """The API tokens (of USERNAME, or of everyone): id, purpose, issued, last used, expiry,
    state — never the token itself.

    \b
    Example:
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
    """Revoke an API token (its id from `orchestrator user tokens`): refused from then on.

    \b
    Example:
      orchestrator user revoke 1
    """
    context = context_of(ctx)
    if not context.accounts().revoke_token(token_id, now=context.clock.now(), by=operator()):
        raise AccountError(f"没有可吊销的API令牌{token_id}（不存在或已吊销）")
    click.echo(f"API令牌{token_id}已吊销")


COMMANDS = (user_group,)
