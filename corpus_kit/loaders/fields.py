"""Turn one input object (a JSON line or a Parquet row) into a `Record` by the configured keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from corpus_kit import schema
from corpus_kit.config import LoaderConfig
from corpus_kit.loaders.base import Record, Reject


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def record_from_object(
    obj: Mapping[str, Any], source: str, record: int, cfg: LoaderConfig
) -> Record | Reject:
    """Read id, text (or html), url and title from `obj` using the key names of `cfg`."""
    raw_id = obj.get(cfg.id_key)
    doc_id = str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else None
    if doc_id == "":
        doc_id = None
    text = obj.get(cfg.text_key)
    html = obj.get(cfg.html_key)
    if not isinstance(text, str) and isinstance(html, str):
        text = None
    elif not isinstance(text, str):
        keys = ", ".join(sorted(map(str, obj))[:10])
        got = "no" if text is None else f"a {type(text).__name__}, not a string, as"
        return Reject(
            source, record, schema.REJECT_MISSING_TEXT, f"{got} {cfg.text_key!r} field (keys: {keys})", doc_id
        )
    return Record(
        source=source,
        record=record,
        text=text,
        id=doc_id,
        url=_optional_str(obj.get(cfg.url_key)),
        title=_optional_str(obj.get(cfg.title_key)),
        html=html if text is None else None,
    )
