"""`orchestrator user`: accounts from the command line (password from standard input)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from orchestrator.cli import cli
from tests.support.base import ROOT
from tests.support.cli import run, run_err
from tests.support.servers import free_port, wait_until_serving
from tests.support.web import Browser


def invoke(*args: str, stdin: str = ""):
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def add_zhang(password: str):
    """`user add zhang` as a duty officer, the password read from standard input."""
    return invoke(
        "user",
        "add",
        "zhang",
        "--name",
        "张值班",
        "--role",
        "duty_officer",
        "--password-stdin",
        stdin=password + "\n",
    )


def test_users_are_added_listed_and_given_tokens(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    assert "尚无用户" in run("user", "list")
    r = add_zhang("zhiban-2026")
    assert r.exit_code == 0, r.output
    assert "已添加用户 zhang（张值班，值班人员）" in r.stdout
    listed = json.loads(run("user", "list", "--json"))
    assert listed == [
        {
            "username": "zhang",
            "name": "张值班",
            "role": "duty_officer",
            "region": None,
            "active": True,
        }
    ]
    r = invoke("user", "token", "zhang", "--name", "省级平台对接")
    assert r.exit_code == 0
    assert r.stdout.startswith("orc_")
    assert "仅显示一次" in r.stderr
    r = invoke("user", "password", "zhang", "--password-stdin", stdin="new-pass-2026\n")
    assert "密码已重设" in r.stdout
    # interactive: asked twice
    r = invoke(
        "user",
        "add",
        "wang",
        "--name",
        "王副市长",
        "--role",
        "vice_mayor",
        stdin="fuShi-2026\nfuShi-2026\n",
    )
    assert r.exit_code == 0, r.output
    assert "已添加用户 wang" in r.stdout


def test_user_errors_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    r = add_zhang("short")
    assert r.exit_code == 1
    assert "密码至少10位" in r.stderr
    code, err = run_err("user", "add", "zhang", "--name", "张", "--role", "boss")
    assert code == 2
    assert "boss" in err
    code, err = run_err("user", "token", "ghost", "--name", "x")
    assert code == 1
    assert "用户“ghost”不存在" in err


def test_serve_with_several_workers_serves_the_console_on_the_same_clock(tmp_path, monkeypatch):

    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    r = add_zhang("zhiban-2026")
    assert r.exit_code == 0, r.output
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orchestrator",
            "--now",
            "2026-01-04T09:40",
            "serve",
            "--no-scheduler",
            "--workers",
            "2",
            "--port",
            str(port),
        ],
        env=dict(os.environ),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(proc, port)
        b = Browser(f"http://127.0.0.1:{port}")
        assert b.sign_in("zhang", "zhiban-2026").status_code == 303
        for _ in range(4):  # whichever worker answers, it signs in and keeps --now
            page = b.get("/").text
            assert "值班台" in page
            assert "2026年1月4日9时40分" in page
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0].decode()
    assert output.count("Started server process") >= 2, output


def test_access_is_taken_back_from_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    now = ("--now", "2026-01-04T20:00")
    assert add_zhang("correct-horse-9").exit_code == 0
    out = invoke(*now, "user", "token", "zhang", "--name", "省级平台对接", "--days", "30")
    assert out.exit_code == 0
    assert out.stdout.startswith("orc_")
    assert "30天内有效" in out.stderr
    listed = run(*now, "user", "tokens", "zhang")
    assert (
        "1  zhang  省级平台对接  签发2026-01-04 20:00  最近使用—  有效期至2026-02-03 20:00  可用"
        in listed
    )
    assert (
        json.loads(run("--now", "2026-02-04T00:00", "user", "tokens", "--json"))[0]["usable"]
        is False
    )
    assert "API令牌1已吊销" in run(*now, "user", "revoke", "1")
    code, err = run_err(*now, "user", "revoke", "1")
    assert code == 1
    assert "没有可吊销的API令牌1（不存在或已吊销）" in err
    assert "已吊销" in run(*now, "user", "tokens")
    assert "用户 zhang 已停用" in run(*now, "user", "disable", "zhang")
    assert "张值班  值班人员（已停用）" in run("user", "list")
    assert "已启用" in run(*now, "user", "enable", "zhang")
    assert "角色已改为应急办主任" in run(*now, "user", "role", "zhang", "director")
    assert "zhang  张值班  应急办主任" in run("user", "list")


def test_once_accounts_exist_the_command_line_signs_only_with_the_persons_credential(
    tmp_path, monkeypatch
):
    """`--by 王副市长` no longer acts as anyone: his API token (ORCHESTRATOR_TOKEN) or his
    password is needed; someone else's token is refused; nothing moves when refused."""
    monkeypatch.setenv("ORCHESTRATOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ORCHESTRATOR_TOKEN", raising=False)
    run("list", "import", str(ROOT / "emission_lists/sample_list.xlsx"), "--effective-from",
        "2025-10-01")  # fmt: skip
    now = ("--now", "2026-01-04T20:00")
    draft = ("alert", "draft", "--level", "orange", "--start", "2026-01-06T00:00", "--by", "张值班")
    # no accounts yet: the embedded default acts by name
    run(*now, *draft, "--submit")
    assert add_zhang("correct-horse-9").exit_code == 0
    wang = invoke("user", "add", "wang", "--name", "王副市长", "--role", "vice_mayor",
                  "--password-stdin", stdin="vice-mayor-2026\n")  # fmt: skip
    assert wang.exit_code == 0
    # no credential at all (nothing on standard input)
    code, err = run_err(*now, "alert", "approve", "1", "--by", "王副市长")
    assert code == 1
    assert "以王副市长的名义办理须验证身份：请设置ORCHESTRATOR_TOKEN为其API令牌" in err
    # a wrong password
    wrong = invoke(*now, "alert", "approve", "1", "--by", "王副市长", stdin="guess-1234\n")
    assert wrong.exit_code == 1
    assert "用户名或密码不正确" in wrong.stderr
    # someone else's token
    zhang_token = invoke(*now, "user", "token", "zhang", "--name", "脚本").stdout.strip()
    monkeypatch.setenv("ORCHESTRATOR_TOKEN", zhang_token)
    code, err = run_err(*now, "alert", "approve", "1", "--by", "王副市长")
    assert code == 1
    assert "ORCHESTRATOR_TOKEN中的API令牌不属于王副市长" in err
    assert "待审批" in run("alert", "show", "1")
    # a person without an account cannot be signed as
    code, err = run_err(*now, "alert", "approve", "1", "--by", "赵市长")
    assert "“赵市长”没有控制台账户" in err
    # his own password, then his own token
    monkeypatch.delenv("ORCHESTRATOR_TOKEN")
    ok = invoke(*now, "alert", "approve", "1", "--by", "王副市长", stdin="vice-mayor-2026\n")
    assert ok.exit_code == 0, ok.output
    assert "已批准" in ok.stdout
    monkeypatch.setenv("ORCHESTRATOR_TOKEN", zhang_token)
    assert "已发布" in run(*now, "alert", "issue", "1", "--by", "张值班")
