"""A QR code's modules for a text, computed without pygame (kiosk/drawing.py draws them).

Kept apart from drawing so the matrix is plain data: the screen draws it module by module, and
a test can compare what the screen shows with what was encoded.
"""

from __future__ import annotations

from functools import lru_cache

# ISO/IEC 18004 asks for a light margin of 4 modules on every side: phone cameras find the code
# by it, and a code drawn against other pixels without it often does not scan.
QUIET_ZONE = 4

Matrix = tuple[tuple[bool, ...], ...]


@lru_cache(maxsize=8)  # a few links and the complaint channel's address
def modules(text: str) -> Matrix:
    """The dark (True) and light modules of ``text``'s QR code, without the quiet zone.

    Error correction M (15 %): a smudged or glare-struck screen still scans, and a link of a
    few hundred characters still fits a code whose modules stay big on a 7-inch screen. Cached:
    choosing the mask takes 10-20 ms on a desktop core (more on a Pi), so a link's matrix is
    computed when it arrives (kiosk/phonelink.py), off the screen's thread.
    """
    import qrcode  # here, not at start-up: a kiosk may show no QR all day (kiosk/opening.py)
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(border=0, error_correction=ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    return tuple(tuple(bool(dark) for dark in row) for row in code.get_matrix())
