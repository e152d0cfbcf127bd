"""The Markdown report as real renderers turn it into HTML, for tests that check what a reader sees.

Two renderers, because they differ where it matters:

- markdown-it-py (CommonMark) with GFM tables and strikethrough, raw HTML allowed and the
  linkify plugin on (bare URLs and domains become links, as many wikis and chat tools do);
- cmark-gfm through cmarkgfm, the renderer GitHub uses, with its autolink extension (``www.``,
  ``http://``, e-mail addresses) and raw HTML passed through (GitHub sanitises afterwards; the
  report must not depend on that).
"""

from __future__ import annotations

import html
import re

import cmarkgfm
from cmarkgfm.cmark import Options
from markdown_it import MarkdownIt

_COMMONMARK = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(
    ["table", "strikethrough", "linkify"]
)


def commonmark_html(markdown: str) -> str:
    return str(_COMMONMARK.render(markdown))


def github_html(markdown: str) -> str:
    return str(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))


RENDERERS = {"markdown-it-py": commonmark_html, "cmark-gfm": github_html}


def text_of(fragment: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def table_rows(rendered: str) -> list[tuple[str, ...]]:
    """Every table row of rendered HTML as the text of its cells."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", rendered, re.S):
        rows.append(
            tuple(text_of(cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S))
        )
    return rows
