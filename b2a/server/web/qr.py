"""A WhatsApp-Web pairing QR code as an inline SVG, drawn on the server.

No script draws it and no image URL carries it (the code is a credential for a
minute: it must not sit in a log line or a browser cache). segno writes plain
``<path>`` geometry with a white quiet zone, so it scans from a dark-mode screen
and passes the CSP (no ``style`` attributes).
"""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(data: str) -> Markup:
    """The QR code of ``data`` as SVG markup that scales with its container."""
    code = segno.make(data, error="l", micro=False)
    svg = code.svg_inline(
        scale=1,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="qr-code",
        lineclass=None,
        title="WhatsApp pairing QR code",
    )
    # The data only shapes the path (nothing of it is text), so the markup is ours.
    return Markup(svg.replace("<svg ", '<svg role="img" shape-rendering="crispEdges" ', 1))
