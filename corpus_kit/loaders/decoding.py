"""Strict UTF-8 decoding with a one-line description of the first bad byte."""

from __future__ import annotations


def decode_utf8(data: bytes) -> tuple[str, str | None]:
    """Decode `data` as UTF-8 (a leading BOM is dropped); return (text, None) or ("", error)."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        bad = data[err.start : err.start + 4].hex(" ")
        return "", f"invalid UTF-8 at byte {err.start} ({bad}): {err.reason}"
