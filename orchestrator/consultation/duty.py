"""The duty officers' line: what the command office must read at once — a consultation's
opinion, a 调度令 received from the province — sent on every channel of ``config/consultation.toml``
``[notify]`` (the folder the office prints from, a webhook, the duty officers' e-mail)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orchestrator.consultation.config import ConsultationConfig
from orchestrator.delivery.channels import HttpClient, Message, SendError, make_channel
from orchestrator.errors import OrchestratorError


@dataclass(frozen=True, slots=True, kw_only=True)
class Told:
    """What telling did: how many sends went out, and each channel's failure."""

    sent: int
    errors: tuple[str, ...]

    @property
    def done(self) -> bool:
        return self.sent > 0 and not self.errors


class DutyLine:
    def __init__(
        self,
        config: ConsultationConfig,
        *,
        data_dir: Path,
        pdf: Callable[[str], bytes] | None = None,
    ) -> None:
        self.config, self.data_dir, self.pdf = config, data_dir, pdf

    def tell(
        self,
        *,
        key: str,
        kind: str,
        folder: str,
        recipient: str,
        subject: str,
        text: str,
        html: str,
        filename: str,
    ) -> Told:
        """Send one message to the duty officers on every enabled channel (each e-mail address
        its own send; ``key`` keeps a repeat a repeat). A channel's failure is reported, never
        raised: the caller records it and tries again later."""
        http = HttpClient(10.0)
        errors: list[str] = []
        sent = 0
        for cfg in self.config.notify_channels:
            if not cfg.enabled:
                continue
            channel = make_channel(cfg, root=self.data_dir, http=http, timeout=10.0, pdf=self.pdf)
            addresses = list(self.config.notify_emails) if cfg.kind == "email" else [""]
            for address in addresses:
                message = Message(
                    key=f"{key}:{cfg.name}:{address}",
                    kind=kind,
                    folder=folder,
                    recipient=recipient,
                    recipient_name="值班人员",
                    county="",
                    address=address,
                    subject=subject,
                    text=text,
                    html=html,
                    link="",
                    filename=filename,
                )
                try:
                    channel.send(message)
                    sent += 1
                except (SendError, OrchestratorError, OSError) as exc:
                    errors.append(f"{cfg.name}: {exc}")
        return Told(sent=sent, errors=tuple(errors))
