"""A printable PDF of a licence, with a QR code of its public verification link (fpdf2).

Chinese needs a CJK font. Debian's fonts-noto-cjk ships Noto Sans CJK as TrueType collections
(.ttc), which fpdf2 reads (`collection_font_number`); the Simplified Chinese face is found by name.
Without any CJK font the document is still produced, in English, with only ASCII fields: the kind's
and department's English names (or codes), and the masked ID number instead of the holder's name.
"""

import datetime as dt
import functools
import io
import logging
from pathlib import Path

import segno
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from licences.models import Licence, LicenceStatus

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
# fontTools logs every subsetting step at INFO, once per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)

CJK = "cjk"
FALLBACK = "helvetica"  # a PDF core font: Latin-1 only


@functools.cache
def cjk_font() -> tuple[str, int] | None:
    """(path, index in the collection) of a Simplified Chinese font, or None when none is installed."""
    configured = getattr(settings, "ONEWINDOW_PDF_CJK_FONT", "")
    for candidate in (configured, *CJK_FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate, _simplified_chinese_face(candidate)
    return None


def _simplified_chinese_face(path: str) -> int:
    if not path.lower().endswith(".ttc"):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    names = [str(font["name"].getDebugName(4) or "") for font in collection.fonts]
    collection.close()
    for preferred in (" SC", "Micro Hei", "Zen Hei"):
        for index, name in enumerate(names):
            if preferred in name and "Mono" not in name:
                return index
    return 0


def _ascii(value: str) -> str:
    return value.encode("latin-1", "replace").decode("latin-1")


def licence_pdf(*, licence: Licence, verify_url: str, today: dt.date | None = None) -> bytes:
    """The licence as an A4 page; `licence` needs kind, holder and issuing_department loaded."""
    today = today or timezone.localdate()
    font = cjk_font()
    pdf = FPDF(format="A4")
    pdf.set_title(licence.number)
    pdf.set_creator("OneWindow")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    if font is not None:
        pdf.add_font(CJK, "", font[0], collection_font_number=font[1])
        _draw(pdf, CJK, licence, verify_url, today, chinese=True)
    else:
        with translation.override("en"):
            _draw(pdf, FALLBACK, licence, verify_url, today, chinese=False)
    return bytes(pdf.output())


def _draw(pdf: FPDF, family: str, licence: Licence, verify_url: str, today: dt.date, *, chinese: bool) -> None:
    text = (lambda value: value) if chinese else _ascii
    kind = licence.kind.name if chinese else (licence.kind.name_en or licence.kind.code)
    department = licence.issuing_department
    issuer = department.name if chinese else (department.name_en or department.code)
    status = licence.status_on(today)
    until = licence.valid_until.isoformat() if licence.valid_until else _("no expiry")
    rows = [
        (_("Licence number"), licence.number),
        *([(_("Holder"), licence.holder.name)] if chinese else []),
        (_("ID number"), licence.holder.id_number_masked),
        (_("Issued by"), issuer),
        (_("Valid"), f"{licence.valid_from.isoformat()} – {until}" if chinese else f"{licence.valid_from} - {until}"),
        (_("Issued on"), timezone.localtime(licence.issued_at).date().isoformat()),
        (_("Status"), str(LicenceStatus(status).label)),
    ]
    pdf.set_draw_color(160, 30, 30)
    pdf.set_line_width(0.8)
    pdf.rect(15, 15, 180, 225)
    pdf.set_xy(20, 25)
    pdf.set_font(family, size=12)
    pdf.set_text_color(120, 120, 120)
    pdf.cell(170, 8, text(_("E-licence")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(20, 36)
    pdf.set_font(family, size=24)
    pdf.set_text_color(160, 30, 30)
    pdf.cell(170, 14, text(kind), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    y = 62.0
    for label, value in rows:
        pdf.set_xy(25, y)
        pdf.set_font(family, size=11)
        pdf.set_text_color(100, 100, 100)
        pdf.cell(45, 9, text(label))
        pdf.set_font(family, size=13)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(120, 9, text(value))
        y += 12
    if status != LicenceStatus.VALID:
        pdf.set_xy(20, y + 2)
        pdf.set_font(family, size=20)
        pdf.set_text_color(200, 0, 0)
        pdf.cell(170, 12, text(_("Not valid: %(status)s") % {"status": LicenceStatus(status).label}), align="C")
        pdf.set_text_color(0, 0, 0)
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=10, border=2)
    qr.seek(0)
    pdf.image(qr, x=82.5, y=168, w=45, h=45)
    pdf.set_xy(20, 216)
    pdf.set_font(family, size=9)
    pdf.set_text_color(100, 100, 100)
    pdf.cell(170, 5, text(_("Scan to verify this licence")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(20, 222)
    pdf.set_font(family, size=7)
    pdf.cell(170, 5, _ascii(verify_url), align="C")
