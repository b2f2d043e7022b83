"""The audit log's values (pure): every alert action (drafted, submitted, approved, issued, …)
and the console's own (signing in and out, failed sign-ins, list imports, resends). Entries are
written by the use case, in the transaction of the action they record, and never changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class AuditAction(StrEnum):
    DRAFT_ISSUE = "draft_issue"
    DRAFT_UPGRADE = "draft_upgrade"
    DRAFT_DOWNGRADE = "draft_downgrade"
    DRAFT_EXTEND = "draft_extend"
    DRAFT_LIFT = "draft_lift"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    ISSUE_ISSUE = "issue_issue"
    ISSUE_UPGRADE = "issue_upgrade"
    ISSUE_DOWNGRADE = "issue_downgrade"
    ISSUE_EXTEND = "issue_extend"
    ISSUE_LIFT = "issue_lift"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    LIST_IMPORT = "list_import"
    LIST_COVERAGE = "list_coverage"
    LIST_CHECKS = "list_checks"  # a coverage run's check tasks issued to the network
    LIST_CHECK_ANSWER = "list_check_answer"  # a unit answered findings of its check task
    LIST_GRADE = "list_grade"
    RESEND = "resend"
    NEGOTIATE = "negotiate"
    NEGOTIATE_REMOVE = "negotiate_remove"
    DIRECTIVE = "directive"  # the province drafted, moved on or lifted a 调度令 (detail: action)
    DIRECTIVE_RECEIVED = "directive_received"  # a city received a 调度令 (or its lifting)
    DIRECTIVE_LIFT_REQUEST = "directive_lift_request"  # a city asked the province to lift one
    # a signed message from another installation refused: tampered, replayed or out of order
    FEDERATION_REFUSED = "federation_refused"
    ACCOUNT = (
        "account"  # a user disabled, enabled, given a role or a password; a token issued/revoked
    )

    @property
    def label(self) -> str:
        """What the action is called on the pages."""
        return _LABEL[self]

    @classmethod
    def drafted(cls, kind: str) -> AuditAction:
        """Drafting a revision of ``kind`` (a revision kind's value: issue, upgrade, …)."""
        return cls(f"draft_{kind}")

    @classmethod
    def issued(cls, kind: str) -> AuditAction:
        """Issuing a revision of ``kind``."""
        return cls(f"issue_{kind}")


_KINDS = {"issue": "启动", "upgrade": "升级", "downgrade": "降级", "extend": "延长", "lift": "解除"}
_LABEL: dict[AuditAction, str] = {
    **{AuditAction(f"draft_{k}"): f"起草{v}" for k, v in _KINDS.items()},
    **{AuditAction(f"issue_{k}"): f"发布{v}" for k, v in _KINDS.items()},
    AuditAction.SUBMIT: "提交审批",
    AuditAction.APPROVE: "批准",
    AuditAction.REJECT: "退回",
    AuditAction.WITHDRAW: "撤回",
    AuditAction.SIGN_IN: "登录",
    AuditAction.SIGN_IN_FAILED: "登录失败",
    AuditAction.SIGN_OUT: "退出",
    AuditAction.LIST_IMPORT: "导入应急减排清单",
    AuditAction.LIST_COVERAGE: "清单覆盖核查",
    AuditAction.LIST_CHECKS: "下发核查任务",
    AuditAction.LIST_CHECK_ANSWER: "填报核查结果",
    AuditAction.LIST_GRADE: "调整绩效等级",
    AuditAction.RESEND: "重新投递",
    AuditAction.NEGOTIATE: "录入协商减排",
    AuditAction.NEGOTIATE_REMOVE: "删除协商减排",
    AuditAction.DIRECTIVE: "省级调度令",
    AuditAction.DIRECTIVE_RECEIVED: "接收省级调度令",
    AuditAction.DIRECTIVE_LIFT_REQUEST: "申请提前解除调度令",
    AuditAction.FEDERATION_REFUSED: "拒收平台间消息",
    AuditAction.ACCOUNT: "账户管理",
}


def label(action: str) -> str:
    """The page name of a stored action (its own text if it is none of ours)."""
    try:
        return AuditAction(action).label
    except ValueError:
        return action


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One entry: to write (``at`` … ``detail``), or read back."""

    at: dt.datetime
    actor: str
    action: AuditAction
    reason: str = ""
    alert_id: int | None = None
    revision_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.action.label
