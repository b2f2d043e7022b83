"""Console accounts on a real database: users and their validation, Argon2id hashes,
sign-in with lockout, sessions and API tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from orchestrator.db.tables import users, web_sessions
from orchestrator.plans.lifecycle import Role
from orchestrator.web import accounts
from tests.conftest import ZONE

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=ZONE)
POLICY = accounts.Policy(lockout_attempts=3, lockout_minutes=15, session_hours=12)
PASSWORD = "zhiban-2026"


def add(engine, username="zhang", role="duty_officer", name="张值班"):
    return accounts.add_user(
        engine, username=username, display_name=name, role=role, password=PASSWORD, now=NOW
    )


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"username": "张"}, "用户名应为2至32位"),
        ({"role": "boss"}, "未知角色“boss”"),
        ({"password": "short1"}, "密码至少10位"),
        ({"password": "1234567890"}, "密码应同时包含字母和数字或符号"),
        ({"display_name": " "}, "请填写姓名"),
    ],
)
def test_bad_accounts_are_refused_with_the_reason(engine, kw, message):
    values = {
        "username": "zhang",
        "display_name": "张值班",
        "role": "duty_officer",
        "password": PASSWORD,
        **kw,
    }
    with pytest.raises(accounts.AccountError, match=message):
        accounts.add_user(engine, now=NOW, **values)
    assert accounts.list_users(engine) == []


def test_a_user_is_kept_with_an_argon2id_hash_only(engine):
    user = add(engine)
    assert user.person is not None
    assert (user.person.name, user.person.role) == ("张值班", Role.DUTY_OFFICER)
    assert add(engine, "admin1", "admin", "管理员").person is None
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.id == user.id)).scalar()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    with pytest.raises(accounts.AccountError, match="用户名“zhang”已存在"):
        add(engine, "ZHANG")


def test_sign_in_locks_the_account_after_repeated_failures(engine):
    add(engine)
    assert (
        accounts.authenticate(engine, "zhang", PASSWORD, now=NOW, policy=POLICY).username == "zhang"
    )
    for _ in range(2):
        with pytest.raises(accounts.AccountError, match="用户名或密码不正确"):
            accounts.authenticate(engine, "zhang", "wrong-pass-1", now=NOW, policy=POLICY)
    with pytest.raises(accounts.AccountError, match="连续3次登录失败，账户已锁定15分钟"):
        accounts.authenticate(engine, "zhang", "wrong-pass-1", now=NOW, policy=POLICY)
    # locked: even the right password is refused, saying for how long
    with pytest.raises(accounts.AccountError, match="请15分钟后重试"):
        accounts.authenticate(engine, "zhang", PASSWORD, now=NOW, policy=POLICY)
    later = NOW + dt.timedelta(minutes=15, seconds=1)
    assert (
        accounts.authenticate(engine, "zhang", PASSWORD, now=later, policy=POLICY).username
        == "zhang"
    )
    # an unknown user gets the same answer as a wrong password
    with pytest.raises(accounts.AccountError, match=r"^用户名或密码不正确$"):
        accounts.authenticate(engine, "nobody", PASSWORD, now=NOW, policy=POLICY)


def test_a_success_resets_the_failure_count(engine):
    add(engine)
    for _ in range(2):
        with pytest.raises(accounts.AccountError):
            accounts.authenticate(engine, "zhang", "wrong-pass-1", now=NOW, policy=POLICY)
    accounts.authenticate(engine, "zhang", PASSWORD, now=NOW, policy=POLICY)
    for _ in range(2):
        with pytest.raises(accounts.AccountError, match="用户名或密码不正确"):
            accounts.authenticate(engine, "zhang", "wrong-pass-1", now=NOW, policy=POLICY)


def test_sessions_hold_only_a_hash_and_expire(engine):
    user = add(engine)
    token = accounts.open_session(engine, user, now=NOW, policy=POLICY)
    with engine.connect() as conn:
        kept = conn.execute(select(web_sessions.c.token_hash)).scalar()
    assert token not in kept
    session = accounts.session_of(engine, token, now=NOW + dt.timedelta(hours=11))
    assert session is not None
    assert session.user.username == "zhang"
    assert len(session.csrf) >= 32
    assert accounts.session_of(engine, token, now=NOW + dt.timedelta(hours=12)) is None
    assert accounts.session_of(engine, token + "x", now=NOW) is None
    accounts.close_session(engine, token)
    assert accounts.session_of(engine, token, now=NOW) is None


def test_api_tokens_act_as_their_user_until_revoked(engine):
    add(engine)
    token = accounts.issue_token(engine, "zhang", "省级平台对接", now=NOW)
    assert token.startswith("orc_")
    user = accounts.token_user(engine, token, now=NOW)
    assert user is not None
    assert user.username == "zhang"
    assert accounts.token_user(engine, token[:-1], now=NOW) is None
    with engine.connect() as conn:
        from orchestrator.db.tables import api_tokens

        token_id = conn.execute(select(api_tokens.c.id)).scalar_one()
    assert accounts.revoke_token(engine, token_id, now=NOW)
    assert accounts.token_user(engine, token, now=NOW) is None
    with pytest.raises(accounts.AccountError, match="用户“nobody”不存在"):
        accounts.issue_token(engine, "nobody", "x", now=NOW)


def test_a_new_password_lifts_a_lockout(engine):
    add(engine)
    for _ in range(3):
        with pytest.raises(accounts.AccountError):
            accounts.authenticate(engine, "zhang", "wrong-pass-1", now=NOW, policy=POLICY)
    accounts.set_password(engine, "zhang", "new-pass-2026")
    assert accounts.authenticate(engine, "zhang", "new-pass-2026", now=NOW, policy=POLICY)
    with pytest.raises(accounts.AccountError, match="用户“ghost”不存在"):
        accounts.set_password(engine, "ghost", "new-pass-2026")
