"""MkDocs hook: links from docs/*.md to repository files outside docs/ (benchmark results,
dataset cards) are not pages of the site. They become links to the file in the repository
when ``repo_url`` is set in mkdocs.yml, else the path in code font, so ``mkdocs build --strict``
still fails on every broken link inside the docs."""

from __future__ import annotations

import posixpath
import re
from typing import Any

_LINK = re.compile(r"\[([^\]]+)\]\((\.\./[^)\s#]+)(#[^)\s]*)?\)")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    base = posixpath.dirname(posixpath.join("docs", page.file.src_uri))
    repo_url = (config.get("repo_url") or "").rstrip("/")

    def outside(match: re.Match[str]) -> str:
        text, target, anchor = match.group(1), match.group(2), match.group(3) or ""
        path = posixpath.normpath(posixpath.join(base, target))
        if path.startswith("docs/"):  # still inside the docs: leave it to mkdocs' checks
            return match.group(0)
        if repo_url:
            return f"[{text}]({repo_url}/blob/main/{path}{anchor})"
        return text if text.strip("`") == path else f"{text} (`{path}` in the repository)"

    return _LINK.sub(outside, markdown)
