"""The consultation pages over real HTTP: the list, one consultation with its table, chart and
recorded opinion, and a recommendation turned into a filled-in draft form once the automatic
draft was withdrawn."""

from __future__ import annotations

import datetime as dt
import io

import pypdf

from tests.support.app import DUTY, office_of
from tests.support.base import ZONE
from tests.support.consultation import config, consultant
from tests.support.web import Browser, signed_in


def test_consultations_are_listed_shown_and_turned_into_a_draft(engine, desk, tmp_path):
    served, clock = desk
    slot = dt.datetime(2026, 1, 4, 16, tzinfo=ZONE)
    outcome = consultant(engine, config(), tmp_path).consult(slot=slot, now=slot)
    assert outcome.alert_id is not None
    zhang = signed_in(served, "zhang")
    listing = zhang.get("/consultations").text
    assert f'href="/consultations/{outcome.id}"' in listing
    assert "建议启动橙色预警" in listing
    assert f'href="/alerts/{outcome.alert_id}"' in listing
    page = zhang.get(f"/consultations/{outcome.id}").text
    assert "2026-01-06" in page
    assert "<svg" in page
    assert "按研判结论起草预警" not in page  # its draft stands
    opinion = zhang.get(f"/consultations/{outcome.id}/opinion")
    # the opinion as recorded, inside the console: a bar (back, PDF) the printout leaves out
    assert 'class="console-bar"' in opinion.text
    bar = opinion.text.index('<nav class="console-bar"')
    end = opinion.text.index("</nav>", bar) + len("</nav>")
    style = opinion.text.index("<style>.console-bar")
    assert opinion.text[:style] + opinion.text[end:] == outcome.html
    pdf = zhang.get(f"/consultations/{outcome.id}/opinion.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert "空气质量会商意见" in "".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages
    )
    # the officers withdraw the automatic draft; the recommendation can be drafted again
    office_of(engine).withdraw(outcome.alert_id, by=DUTY, now=clock.now(), reason="另行研判")
    page = zhang.get(f"/consultations/{outcome.id}").text
    assert "按研判结论起草预警" in page
    link = page.split('class="primary" href="')[1].split('"')[0].replace("&amp;", "&")
    form = zhang.get(link).text
    assert '<option value="orange" selected>' in form
    assert 'value="2026-01-06T00:00"' in form
    assert "会商研判" in form
    assert "各项污染物均达到减排目标" in form  # the reduction preview of the level
    # a viewer sees the consultation but is not offered the draft
    guest = signed_in(served, "guest")
    assert "按研判结论起草预警" not in guest.get(f"/consultations/{outcome.id}").text
    assert zhang.get("/consultations/99").status_code == 404
    assert Browser(served.url).get("/consultations").status_code == 303
