"""``hailong hub poster OFFICE COUNTER [-o FILE]``: a printable A4 PDF for a counter, with the QR
code of its poster link (channel ``web-poster``), the office and counter names and two lines of
instructions, in Vietnamese with the bundled Noto Sans (fpdf2 draws it, qrcode makes the code).

The link is signed with the hub's own secret (``[web] link_secret_file``), so run it on the hub's
machine with the hub's settings; a poster needs no expiry (it bears no dossier) and stops working
only when the secret changes.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
from pathlib import Path

from hailong.cli import add_common
from hailong.resources import font_path
from hailong.settings import SettingsError

# A4 portrait, in millimetres; the QR code is drawn this wide: from a metre away a phone's camera
# reads it at once, and it leaves room for the names and instructions above and below.
PAGE_WIDTH = 210
QR_SIZE = 120
MARGIN = 20


def qr_png(url: str) -> bytes:
    """The link as a QR code, PNG bytes (medium error correction: a poster gets scuffed)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def poster_pdf(url: str, office_name: str, counter_name: str, title: str,
               instructions: tuple[str, str]) -> bytes:
    """The A4 poster as PDF bytes."""
    from fpdf import FPDF

    # fpdf2 subsets the font through fontTools, which logs every table it prunes
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{title} — {office_name} — {counter_name}")
    pdf.add_font("Noto", "", str(font_path()))
    pdf.add_font("Noto", "B", str(font_path(bold=True)))
    pdf.add_page()
    width = PAGE_WIDTH - 2 * MARGIN
    pdf.set_y(MARGIN)
    pdf.set_font("Noto", "B", 28)
    pdf.multi_cell(width, 13, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Noto", "B", 18)
    pdf.multi_cell(width, 9, office_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Noto", "", 18)
    pdf.multi_cell(width, 9, counter_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    top = pdf.get_y()
    pdf.image(io.BytesIO(qr_png(url)), x=(PAGE_WIDTH - QR_SIZE) / 2, y=top, w=QR_SIZE,
              h=QR_SIZE)
    pdf.set_y(top + QR_SIZE + 6)
    pdf.set_font("Noto", "", 16)
    for line in instructions:
        pdf.multi_cell(width, 8, line, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())


def poster(args: argparse.Namespace) -> int:
    from hailong.settings import check_id
    from hub.i18n import Texts
    from hub.roster import load_roster
    from hub.settings import settings_from
    from hub.web.webchannel import load_signer, public_url

    settings = settings_from(args)
    try:
        check_id(args.office)
    except ValueError as exc:
        raise SettingsError(f"office {args.office!r}: {exc}") from None
    if not 1 <= len(args.counter) <= 64:
        raise SettingsError("the counter label must be 1 to 64 characters")
    roster = load_roster(settings.hub.roster)
    office = roster.office(args.office)
    counter = next((c for c in roster.counters
                    if c.office == args.office and c.label == args.counter), None)
    if office is None:
        raise SettingsError(f"office {args.office!r} is not in the roster "
                            f"({settings.hub.roster or 'none set'}): add it first "
                            "(`hailong hub roster …`), so the poster can name it")
    signer, _, _ = load_signer(settings)
    url = f"{public_url(settings)}/p/{signer.poster_link(args.office, args.counter)}"
    texts = Texts("vi")
    pdf = poster_pdf(url, office.name or office.id,
                     (counter.name if counter and counter.name else args.counter),
                     texts.t("rate.title"),
                     (texts.t("poster.instructions.1"), texts.t("poster.instructions.2")))
    target = Path(args.output or f"poster-{args.office}-{args.counter}.pdf".replace("/", "-"))
    target.write_bytes(pdf)
    if not settings.web.public_url:
        print(f"warning: [web] public_url is not set, so the QR code points at {public_url(settings)}"
              ", the hub's own listening address: set it to the address phones reach",
              file=sys.stderr)
    print(f"poster for {args.office} / {args.counter} written to {target}")
    print(f"its link: {url}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "poster", help="an A4 PDF poster with the QR code of a counter's phone questionnaire")
    parser.add_argument("office", metavar="OFFICE", help="the office id (in the roster)")
    parser.add_argument("counter", metavar="COUNTER", help="the counter label ratings count under")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="where to write the PDF (default: poster-OFFICE-COUNTER.pdf)")
    add_common(parser)
    parser.set_defaults(handler=poster)
