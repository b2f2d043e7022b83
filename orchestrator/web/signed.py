"""What the pages behind signed links share (an enterprise's orders, a unit's tasks and check
tasks): rendering with the office's name and phone, a refusal page, and the refusal of a link
that does not open (expired: 410, anything else: 404)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

from orchestrator.notices.links import LinkInvalid
from orchestrator.web.site import Site


class SignedPages:
    def __init__(self, site: Site) -> None:
        self.site = site

    def page(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        office = self.site.office
        html = self.site.env.get_template(template).render(
            office=office.issuer, office_phone=office.phone, **values
        )
        return HTMLResponse(html, status_code=status)  # headers: web.guard

    def refused(self, title: str, message: str, status: int) -> HTMLResponse:
        return self.page("web/message.html", status, title=title, message=message)

    def link_refused(self, exc: LinkInvalid) -> HTMLResponse:
        return self.refused("链接不可用", str(exc), 410 if "过期" in str(exc) else 404)
