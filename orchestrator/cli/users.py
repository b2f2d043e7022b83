"""Command line of console accounts: ``orchestrator user add|list|password|token``."""

from __future__ import annotations

import sys

import click

from orchestrator.cli.common import context_of, echo_json
from orchestrator.response.model import Role


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    return value


@click.group("user")
def user_group() -> None:
    """Console accounts: add users with a role, list them, set a password, issue API tokens.
    Roles: admin, duty_officer, director, vice_mayor, mayor, viewer.

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
    """Set a user's password (and lift a lockout).

    \b
    Example:
      orchestrator user password zhang
    """
    context = context_of(ctx)
    password = _password(password_stdin)
    context.accounts().set_password(username, password)
    click.echo(f"用户 {username} 的密码已重设")


@user_group.command("token")
@click.argument("username")
@click.option("--name", "token_name", required=True, help="What the token is for.")
@click.pass_context
def user_token_command(ctx: click.Context, username: str, token_name: str) -> None:
    """Issue an API token acting as USERNAME, for an integration (sent as
    `Authorization: Bearer …`). It is printed once; only its hash is kept.

    \b
    Example:
      orchestrator user token zhang --name 省级平台对接
    """
    context = context_of(ctx)
    token = context.accounts().issue_token(username, token_name, now=context.clock.now())
    click.echo(token)
    click.echo(f"以上为{username}的API令牌（{token_name}），仅显示一次，请妥善保存", err=True)


COMMANDS = (user_group,)
