"""The pairing QR code is SVG geometry the CSP allows, and it changes with the code."""

import re

from b2a.server.web.qr import qr_svg

CODE = "2@Qm9ndXMgcXIgZm9yIHRlc3Rz,dGVzdCBrZXk=,aWRlbnRpdHk=,YWR2ZXJ0aXNlZA=="


def test_the_code_is_an_svg_that_scales_and_has_no_inline_style():
    svg = str(qr_svg(CODE))
    assert svg.startswith('<svg role="img"') and 'viewBox="0 0 ' in svg
    assert "width=" not in svg.split(">", 1)[0], "it takes its container's width"
    assert "style=" not in svg and "<script" not in svg
    assert "<title>WhatsApp pairing QR code</title>" in svg
    assert CODE not in svg, "the code is drawn, never written out"


def test_another_code_draws_other_modules():
    paths = {re.findall(r' d="([^"]+)"', str(qr_svg(code)))[-1] for code in (CODE, CODE + "x")}
    assert len(paths) == 2
