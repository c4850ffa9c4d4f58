"""The one document schema of corpus-kit, its `datasets` features and its reason codes.

Every loader produces `INGESTED`; every stage adds or fills columns of `DOCUMENT`; a release
holds the `RELEASE` columns. Reason codes are stable snake_case strings: they appear unchanged
in `removed_lines`, in the rejects file, in run reports, dataset cards and expectation suites.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"
SCHEMA_METADATA_KEY = b"corpus_kit.schema_version"

REMOVED_LINE = pa.struct(
    [
        pa.field("line", pa.int32(), nullable=False),  # 0-based line number in the normalized text
        pa.field("text", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("score", pa.float32()),  # model probability of boilerplate, null for rules
    ]
)

# Line reasons (removed_lines.reason).
LINE_NAV_MENU = "nav_menu"
LINE_PROMO = "promo"
LINE_JOB_AD = "job_ad"
LINE_TEASER = "teaser"
LINE_CAPTION = "caption"
LINE_LEGAL = "legal"
LINE_SHARE = "share"
LINE_TEMPLATE = "template_line"
LINE_MODEL = "model"

# Document reasons (reject_reason): why a row is not in the release.
REJECT_DECODE_ERROR = "decode_error"
REJECT_BINARY = "binary"
REJECT_EMPTY = "empty"
REJECT_MALFORMED_JSON = "malformed_json"
REJECT_NOT_OBJECT = "not_an_object"
REJECT_MISSING_TEXT = "missing_text"
REJECT_TRUNCATED = "truncated"
REJECT_DUPLICATE_ID = "duplicate_id"
REJECT_NO_CONTENT = "no_content"
REJECT_EXACT_DUPLICATE = "exact_duplicate"
REJECT_NEAR_DUPLICATE = "near_duplicate"
# WARC records that are not documents (loaders/warc.py): counted as rejects, never dropped silently.
REJECT_SKIPPED_NON_HTML = "skipped_non_html"
REJECT_SKIPPED_HTTP_STATUS = "skipped_http_status"
REJECT_SKIPPED_REVISIT = "skipped_revisit"
REJECT_SKIPPED_RECORD_TYPE = "skipped_record_type"
# Document quality (stages/quality.py), in the order they are checked.
REJECT_TOO_FEW_WORDS = "too_few_words"
REJECT_TOO_MANY_WORDS = "too_many_words"
REJECT_TOO_FEW_SENTENCES = "too_few_sentences"
REJECT_THIN_PAGE = "thin_page"
REJECT_MEAN_WORD_LENGTH = "mean_word_length"
REJECT_SYMBOL_RATIO = "symbol_ratio"
REJECT_NO_STOPWORDS = "no_stopwords"
REJECT_DUPLICATE_LINES = "duplicate_lines"
REJECT_FEW_TERMINAL_PUNCTUATION = "few_terminal_punctuation"

INGESTED = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),  # input file, relative to its input root
        pa.field("record", pa.int64(), nullable=False),  # line number, row or byte offset in source
        pa.field("url", pa.string()),
        pa.field("title", pa.string()),
        # HTML pages only: per line of `text`, the share of its words in trafilatura's main text
        # (loaders/html_lines.py), read by the cleaner's HTML model; not part of a release.
        pa.field("main_text_share", pa.list_(pa.float32())),
    ]
)

DOCUMENT = pa.schema(
    [
        *INGESTED,
        pa.field("n_chars", pa.int64(), nullable=False),
        pa.field("removed_lines", pa.list_(REMOVED_LINE), nullable=False),
        # Quality signals of the cleaned text (stages/quality.py).
        pa.field("word_count", pa.int64(), nullable=False),
        pa.field("sentence_count", pa.int64(), nullable=False),
        pa.field("mean_word_length", pa.float64(), nullable=False),
        pa.field("symbol_word_ratio", pa.float64(), nullable=False),
        pa.field("stopword_count", pa.int64()),  # null: no stopword list for the language
        pa.field("duplicate_line_share", pa.float64(), nullable=False),
        pa.field("terminal_punct_share", pa.float64(), nullable=False),
        pa.field("lang", pa.string(), nullable=False),
        pa.field("lang_prob", pa.float64(), nullable=False),
        pa.field("lang_mix", pa.float64(), nullable=False),
        pa.field("dup_cluster", pa.string()),
        pa.field("is_duplicate", pa.bool_(), nullable=False),
        pa.field("duplicate_of", pa.string()),
        pa.field("split", pa.string(), nullable=False),
    ]
)

#: Columns of a published release, in order.
RELEASE = pa.schema([f for f in DOCUMENT if f.name != "main_text_share"])

#: A column of a build's work files, not of a release: the highest score of a line the cleaner's
#: classifier would remove from the cleaned text read alone (no url, no template lines), null when
#: it would remove none (`stages/boilerplate.py`, `leftover`). The validation of the build reads it.
LEFTOVER_SCORE = pa.field("leftover_score", pa.float64())

REJECT = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("record", pa.int64(), nullable=False),
        pa.field("id", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
    ]
)


def with_schema_version(schema: pa.Schema) -> pa.Schema:
    """Return `schema` with the corpus-kit schema version in its metadata."""
    return schema.with_metadata({**(schema.metadata or {}), SCHEMA_METADATA_KEY: SCHEMA_VERSION.encode()})


def release_features():
    """Return the `datasets.Features` of a release (imports `datasets` lazily)."""
    from datasets import Features

    return Features.from_arrow_schema(RELEASE)
