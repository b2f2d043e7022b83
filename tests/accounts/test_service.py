"""Console accounts on a real database: users and their validation, Argon2id hashes,
sign-in with lockout, sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from orchestrator.accounts.config import Policy
from orchestrator.accounts.model import AccountError
from orchestrator.audit.model import AuditAction
from orchestrator.db.tables import users, web_sessions
from orchestrator.response.model import Role
from tests.support.app import accounts, app
from tests.support.base import ZONE

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=ZONE)
POLICY = Policy(lockout_attempts=3, lockout_minutes=15, session_hours=12)
PASSWORD = "zhiban-2026"


def add(engine, username="zhang", role="duty_officer", name="张值班"):
    return accounts(engine, POLICY).add_user(
        username=username, display_name=name, role=role, password=PASSWORD, now=NOW
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
    with pytest.raises(AccountError, match=message):
        accounts(engine, POLICY).add_user(now=NOW, **values)
    assert accounts(engine).users() == []


def test_a_user_is_kept_with_an_argon2id_hash_only(engine):
    user = add(engine)
    assert user.person is not None
    assert (user.person.name, user.person.role) == ("张值班", Role.DUTY_OFFICER)
    assert add(engine, "admin1", "admin", "管理员").person is None
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.id == user.id)).scalar()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    with pytest.raises(AccountError, match="用户名“zhang”已存在"):
        add(engine, "ZHANG")


def test_sign_in_locks_the_account_after_repeated_failures(engine):
    add(engine)
    assert accounts(engine, POLICY).authenticate("zhang", PASSWORD, now=NOW).username == "zhang"
    for _ in range(2):
        with pytest.raises(AccountError, match="用户名或密码不正确"):
            accounts(engine, POLICY).authenticate("zhang", "wrong-pass-1", now=NOW)
    with pytest.raises(AccountError, match="连续3次登录失败，账户已锁定15分钟"):
        accounts(engine, POLICY).authenticate("zhang", "wrong-pass-1", now=NOW)
    # locked: even the right password is refused, saying for how long
    with pytest.raises(AccountError, match="请15分钟后重试"):
        accounts(engine, POLICY).authenticate("zhang", PASSWORD, now=NOW)
    later = NOW + dt.timedelta(minutes=15, seconds=1)
    assert accounts(engine, POLICY).authenticate("zhang", PASSWORD, now=later).username == "zhang"
    # a success starts the count again
    for _ in range(2):
        with pytest.raises(AccountError, match=r"^用户名或密码不正确$"):
            accounts(engine, POLICY).authenticate("zhang", "wrong-pass-1", now=later)
    assert accounts(engine, POLICY).authenticate("zhang", PASSWORD, now=later).username == "zhang"


def test_an_unknown_name_is_answered_exactly_as_a_known_one(engine):
    """Failures count under the name typed, whether or not such a user exists: the same
    answers, in the same order, lockout included."""
    add(engine)

    def answers(name: str) -> list[str]:
        out = []
        for _ in range(POLICY.lockout_attempts + 2):
            with pytest.raises(AccountError) as err:
                accounts(engine, POLICY).authenticate(name, "wrong-pass-1", now=NOW)
            out.append(str(err.value))
        return out

    known, unknown = answers("zhang"), answers("nobody")
    assert known == unknown
    assert known[0] == "用户名或密码不正确"
    assert known[-1].startswith("连续登录失败次数过多")


def test_a_success_resets_the_failure_count(engine):
    add(engine)
    for _ in range(2):
        with pytest.raises(AccountError):
            accounts(engine, POLICY).authenticate("zhang", "wrong-pass-1", now=NOW)
    accounts(engine, POLICY).authenticate("zhang", PASSWORD, now=NOW)
    for _ in range(2):
        with pytest.raises(AccountError, match="用户名或密码不正确"):
            accounts(engine, POLICY).authenticate("zhang", "wrong-pass-1", now=NOW)


def test_sessions_hold_only_a_hash_and_expire(engine):
    user = add(engine)
    token = accounts(engine, POLICY).open_session(user, now=NOW)
    with engine.connect() as conn:
        kept = conn.execute(select(web_sessions.c.token_hash)).scalar()
    assert token not in kept
    session = accounts(engine, POLICY).session_of(token, now=NOW + dt.timedelta(hours=11))
    assert session is not None
    assert session.user.username == "zhang"
    assert len(session.csrf) >= 32
    assert accounts(engine, POLICY).session_of(token, now=NOW + dt.timedelta(hours=12)) is None
    assert accounts(engine, POLICY).session_of(token + "x", now=NOW) is None
    accounts(engine, POLICY).sign_out(token, user=user, now=NOW)
    assert accounts(engine, POLICY).session_of(token, now=NOW) is None


def test_api_tokens_act_as_their_user_until_revoked(engine):
    add(engine)
    token = accounts(engine, POLICY).issue_token("zhang", "省级平台对接", now=NOW)
    assert token.startswith("orc_")
    user = accounts(engine, POLICY).token_user(token, now=NOW)
    assert user is not None
    assert user.username == "zhang"
    assert accounts(engine, POLICY).token_user(token[:-1], now=NOW) is None
    with engine.connect() as conn:
        from orchestrator.db.tables import api_tokens

        token_id = conn.execute(select(api_tokens.c.id)).scalar_one()
    assert accounts(engine, POLICY).revoke_token(token_id, now=NOW)
    assert accounts(engine, POLICY).token_user(token, now=NOW) is None
    with pytest.raises(AccountError, match="用户“nobody”不存在"):
        accounts(engine, POLICY).issue_token("nobody", "x", now=NOW)


def test_a_new_password_lifts_a_lockout(engine):
    add(engine)
    for _ in range(3):
        with pytest.raises(AccountError):
            accounts(engine, POLICY).authenticate("zhang", "wrong-pass-1", now=NOW)
    accounts(engine, POLICY).set_password("zhang", "new-pass-2026")
    assert accounts(engine, POLICY).authenticate("zhang", "new-pass-2026", now=NOW)
    with pytest.raises(AccountError, match="用户“ghost”不存在"):
        accounts(engine, POLICY).set_password("ghost", "new-pass-2026")


def test_parallel_guesses_cannot_outrun_the_lockout(engine):
    """Twenty wrong passwords at once: each attempt is counted before its password is checked,
    so exactly ``lockout_attempts`` are checked and the name ends locked."""
    add(engine)
    barrier = threading.Barrier(20)
    answers: list[str] = []

    def guess(i: int) -> None:
        barrier.wait()
        try:
            accounts(engine, POLICY).authenticate("zhang", f"wrong-pass-{i}", now=NOW)
        except AccountError as exc:
            answers.append(str(exc))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 20
    assert answers.count("用户名或密码不正确") == POLICY.lockout_attempts - 1
    assert answers.count("连续3次登录失败，账户已锁定15分钟") == 1
    assert (
        sum(a.startswith("连续登录失败次数过多") for a in answers) == 20 - POLICY.lockout_attempts
    )
    with pytest.raises(AccountError, match="请15分钟后重试"):
        accounts(engine, POLICY).authenticate("zhang", PASSWORD, now=NOW)


def test_access_is_taken_back_by_disabling_a_role_change_a_new_password_or_expiry(engine):
    """Each way of taking access back ends what it must, at once, and is audited."""
    add(engine)
    people = accounts(engine, POLICY)
    session = people.open_session(people.authenticate("zhang", PASSWORD, now=NOW), now=NOW)
    token = people.issue_token("zhang", "省级平台对接", now=NOW, days=30, by="管理员")
    # disabled: the session ends, the token stops working, sign-in is refused
    people.set_active("zhang", False, by="管理员", now=NOW)
    assert people.session_of(session, now=NOW) is None
    assert people.token_user(token, now=NOW) is None
    with pytest.raises(AccountError, match="账户已停用"):
        people.authenticate("zhang", PASSWORD, now=NOW)
    # enabled again: the token works again, a new session may be opened
    people.set_active("zhang", True, by="管理员", now=NOW)
    assert people.token_user(token, now=NOW) is not None
    session = people.open_session(people.authenticate("zhang", PASSWORD, now=NOW), now=NOW)
    # another role: sessions end; the next sign-in carries the new role
    people.set_role("zhang", Role.DIRECTOR, by="管理员", now=NOW)
    assert people.session_of(session, now=NOW) is None
    assert people.authenticate("zhang", PASSWORD, now=NOW).role is Role.DIRECTOR
    # a new password: sessions end
    session = people.open_session(people.authenticate("zhang", PASSWORD, now=NOW), now=NOW)
    people.set_password("zhang", "new-pass-2026", by="管理员", now=NOW)
    assert people.session_of(session, now=NOW) is None
    # the token expires after its days
    assert people.token_user(token, now=NOW + dt.timedelta(days=29)) is not None
    assert people.token_user(token, now=NOW + dt.timedelta(days=30)) is None
    (info,) = people.tokens("zhang")
    assert (info.name, info.usable(NOW), info.usable(NOW + dt.timedelta(days=31))) == (
        "省级平台对接",
        True,
        False,
    )
    with pytest.raises(AccountError, match="有效期须为1至3650天"):
        people.issue_token("zhang", "x", now=NOW, days=0)
    with pytest.raises(AccountError, match="用户“ghost”不存在"):
        people.set_active("ghost", False, by="管理员", now=NOW)
    entries, _ = app(engine).audit_log().entries()
    trail = [e.reason for e in reversed(entries) if e.action is AuditAction.ACCOUNT]
    assert trail == [
        "为zhang签发API令牌（省级平台对接，30天）",
        "停用zhang，结束其会话1个",
        "启用zhang",
        "zhang的角色由值班人员改为应急办主任",
        "重设zhang的密码，结束其会话1个",
    ]
