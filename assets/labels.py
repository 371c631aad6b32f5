"""Sheets of barcode labels: the Device ID as Code 128, drawn as SVG for printing.

python-barcode computes the symbol (start code, data, checksum, stop: one
character per module, "1" a bar); the SVG here is drawn from those modules so
a label's size is set by the print page, not by the library's writer.
"""

from barcode import Code128
from barcode.charsets.code128 import START_CODES
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

QUIET_ZONE = 10  # modules of white either side, as ISO/IEC 15417 asks


class _Code128(Code128):
    """python-barcode's Code 128 without its bug on IDs that start with the digits 99.

    The library folds a switch of code set right after the start code into the
    start code (start C + "to B" becomes start B). In code set C the value 99
    is also the digit pair "99", which it folds too: "9999" came out as a
    barcode of "99" (python-barcode 0.16.1; tests/assets/test_labels.py found
    it). In code set C a switch is only ever 100 or 101, so 99 stays.
    """

    def _try_to_optimize(self, encoded: list[int]) -> list[int]:
        if len(encoded) > 1 and encoded[0] == START_CODES["C"] and encoded[1] == 99:
            return encoded
        return super()._try_to_optimize(encoded)


def code128_modules(device_id: str) -> str:
    """The bars and spaces of `device_id` in Code 128: "1101..." (1 is a bar)."""
    return _Code128(device_id).build()[0]


def code128_svg(device_id: str, *, height: int = 40) -> SafeString:
    """An inline SVG of the barcode, one unit per module, scaled by its container."""
    modules = code128_modules(device_id)
    width = len(modules) + 2 * QUIET_ZONE
    rects = []
    x = 0
    while x < len(modules):
        if modules[x] == "1":
            start = x
            while x < len(modules) and modules[x] == "1":
                x += 1
            rects.append(
                f'<rect x="{start + QUIET_ZONE}" y="0" width="{x - start}" height="{height}"/>'
            )
        else:
            x += 1
    # Safe: numbers and the escaped ID only.
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="none" role="img" class="barcode" '
        f'aria-label="Code 128: {escape(device_id)}"><title>{escape(device_id)}</title>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>'
        f'<g fill="#000">{"".join(rects)}</g></svg>'
    )
