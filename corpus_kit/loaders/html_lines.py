"""An HTML page as lines of visible text, each with the share of it the main-text extractor kept.

`visible_lines` is the "naive text" of the boilerplate evaluation data (`naive_text_v1`): every
visible text block of the page on a line of its own, nothing filtered. The line cleaner was
trained on exactly such lines. `main_text_shares` tells, per line, how much of it trafilatura's
main text (`html.extract_main_text`) contains, aligned in order; the cleaner's HTML model reads
that next to its own line features, so every line the page loses is removed, and recorded, by
the cleaner.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from bisect import bisect_left

#: Elements dropped with their content (their tail text is kept).
_DROPPED = frozenset((
    "title", "meta", "link", "base", "script", "style", "noscript", "template", "svg", "math", "iframe",
    "frame", "frameset", "object", "embed", "applet", "canvas", "audio", "video", "source", "track", "param",
))  # fmt: skip
#: Elements whose start and end break the line.
_BREAKS = frozenset((
    "html", "body", "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
    "summary", "table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th", "ul", "option",
    "optgroup", "select", "legend", "noframes", "textarea", "button", "label", "br",
))  # fmt: skip
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TITLE = re.compile(r"<title\b.*?</title[^>]*>", re.S | re.I)
_TITLE_TAG = re.compile(r"<title\b[^>]*>", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPACE = re.compile(r"\s+")
#: Line break marker while walking the tree (control characters are spaces by then).
_BREAK = "\x00"
#: A main-text paragraph of this many tokens equal to a line is aligned with it whole.
_ANCHOR_TOKENS = 5
#: Token pairs up to which difflib aligns a stretch (about a second at most).
_EXACT_PAIRS = 10_000_000
#: Alignment tokens: a CJK, kana or Thai character each, else a run of word characters.
_TOKEN = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]|\w+")


def visible_lines(page: str) -> list[str]:
    """Return the visible text blocks of `page`, one per line, whitespace runs as one space.

    Comments, `<title>` and the content of non-text elements (`script`, `style`, `noscript`,
    `svg`, …) are left out; block elements and `<br>` start a new line, inline ones do not. A page
    that gives fewer than 3 lines is read again with `noscript` content (some pages wrap their
    body in an unclosed `<noscript>`).
    """
    import lxml.html
    from lxml.etree import LxmlError

    text = _TITLE_TAG.sub("", _TITLE.sub("", _COMMENT.sub("", page)))
    text = _CONTROL.sub(" ", _XML_DECLARATION.sub("", text))
    if not text.strip():
        return []
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (LxmlError, ValueError):
        return []
    lines = _walk(root, _DROPPED)
    if len(lines) < 3:
        with_noscript = _walk(root, _DROPPED - {"noscript"})
        if len(with_noscript) > len(lines):
            lines = with_noscript
    return lines


def _walk(root, dropped: frozenset[str]) -> list[str]:
    """Text of the tree under `root` in document order, cut into lines at block elements."""
    parts: list[str] = []
    stack = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if closing or tag is None or tag in dropped:
            if closing and tag in _BREAKS:
                parts.append(_BREAK)
            if element.tail:
                parts.append(element.tail)
            continue
        if tag in _BREAKS:
            parts.append(_BREAK)
        if element.text:
            parts.append(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    lines = (_SPACE.sub(" ", line).strip() for line in "".join(parts).split(_BREAK))
    return [line for line in lines if line]


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def page_shares(lines: list[str], page: str, url: str | None = None) -> list[float]:
    """Return `main_text_shares` of `lines` against trafilatura's normalized main text of `page`."""
    from corpus_kit.loaders.html import extract_main_text
    from corpus_kit.stages.normalize import normalize_text

    main_text = extract_main_text(page, url)
    return main_text_shares(lines, normalize_text(main_text) if main_text else None)


def main_text_shares(lines: list[str], main_text: str | None) -> list[float]:
    """Return, per line, the share of its tokens aligned with `main_text` (0.0 without tokens).

    The alignment is monotone, so a word of a menu that also occurs in the article does not count
    as kept. Main-text paragraphs of `_ANCHOR_TOKENS` or more tokens equal to a line, in order, are
    aligned with it whole; the tokens between two such anchors are aligned with difflib's matching
    blocks. These take quadratic time, so a stretch of more than `_EXACT_PAIRS` token pairs (rare:
    a huge page whose main text matches no line) counts, in linear time, the tokens covered by runs
    of three found anywhere in its main text (`_cover`).
    """
    tokens = [_tokens(line) for line in lines]
    aligned = [0] * len(lines)
    if main_text:
        where: dict[tuple[str, ...], list[int]] = {}
        for i, line_tokens in enumerate(tokens):
            if len(line_tokens) >= _ANCHOR_TOKENS:
                where.setdefault(tuple(line_tokens), []).append(i)
        first, pending = 0, []  # the first line after the last anchor; main tokens since it
        for paragraph in main_text.split("\n"):
            paragraph_tokens = _tokens(paragraph)
            found = where.get(tuple(paragraph_tokens), []) if len(paragraph_tokens) >= _ANCHOR_TOKENS else []
            at = bisect_left(found, first)
            if at == len(found):
                pending.extend(paragraph_tokens)
                continue
            anchor = found[at]
            _align(tokens, first, anchor, pending, aligned)
            aligned[anchor] = len(tokens[anchor])
            first, pending = anchor + 1, []
        _align(tokens, first, len(lines), pending, aligned)
    return [hits / len(words) if words else 0.0 for hits, words in zip(aligned, tokens, strict=True)]


def _align(tokens: list[list[str]], first: int, end: int, main: list[str], aligned: list[int]) -> None:
    """Add to `aligned[i]` the tokens of line i (`first` <= i < `end`) matched with `main`."""
    if not main:
        return
    owner = [i for i in range(first, end) for _ in tokens[i]]
    flat = [token for i in range(first, end) for token in tokens[i]]
    if len(flat) * len(main) > _EXACT_PAIRS:
        _cover(tokens, first, end, main, aligned)
        return
    matcher = difflib.SequenceMatcher(None, flat, main, autojunk=False)
    for start, _, size in matcher.get_matching_blocks():
        for k in range(start, start + size):
            aligned[owner[k]] += 1


def _cover(tokens: list[list[str]], first: int, end: int, main: list[str], aligned: list[int]) -> None:
    """`_align` in linear time: a line's tokens covered by a run of 3 (fewer: all) found in `main`."""
    runs = {n: {tuple(main[k : k + n]) for k in range(len(main) - n + 1)} for n in (1, 2, 3)}
    for i in range(first, end):
        words = tokens[i]
        if not words:
            continue
        n = min(3, len(words))
        covered = [False] * len(words)
        for k in range(len(words) - n + 1):
            if tuple(words[k : k + n]) in runs[n]:
                covered[k : k + n] = [True] * n
        aligned[i] += sum(covered)
