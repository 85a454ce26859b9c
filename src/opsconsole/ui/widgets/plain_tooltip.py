"""Tooltips that show text from AWS, customers or other users letter for letter."""

from __future__ import annotations

import html


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip shows it, letter for letter: Qt renders a tooltip that starts like markup as rich
    text, and a customer's phrase or an AWS message may well start with "<"."""
    escaped = html.escape(text).replace("\n", "<br>").replace("  ", "&nbsp; ")
    return f"<qt>{escaped}</qt>"
