"""The phone crawl: from a role's home page, follow every same-site link at 360 px and check each
page: no 5xx, no link to a page that answers 404, nothing wider than the screen, no axe-core
critical/serious violation. Used by test_browser_crawl.py (and runnable against a demo server).

Bounded so that it runs in CI in a few minutes: pages are grouped by their URL pattern (digits →
N, query dropped) and at most PER_PATTERN pages of a pattern are opened per role, MAX_PAGES in all;
axe-core runs once per pattern over all roles; every link found that is not opened is still
requested and its status checked (up to LINK_CHECKS_PER_PATTERN per pattern)."""

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
PER_PATTERN = 1
MAX_PAGES = 30
LINK_CHECKS_PER_PATTERN = 3
# Not pages of ours, not pages at all, or leaving the session: photos and API links are checked by
# status only; Excel exports are not requested (a whole street's ledger takes long to build, and
# each export is tested in its app).
SKIP_VISIT = re.compile(r"^/(admin/|api/|static/|media/|accounts/logout/)|/photos/")
SKIP_ALL = re.compile(r"^/(admin/|static/|accounts/logout/)|\.xlsx$")


def pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path)


@dataclass
class CrawlResult:
    visited: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    axe_checked: int = 0


def _axe(page) -> list[str]:
    page.add_script_tag(content=AXE)
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.filter(v => v.impact === "critical" || v.impact === "serious")
              .map(v => v.impact + " " + v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
        }"""
    )
    return found


def crawl(page, base: str, start: str = "/", *, max_pages: int = MAX_PAGES, axe_seen: set | None = None) -> CrawlResult:
    """`axe_seen`, shared between roles, runs axe-core once per URL pattern (the same template);
    status, redirects to the login page and overflow are checked on every page of every role."""
    res = CrawlResult()
    axe_seen = set() if axe_seen is None else axe_seen
    host = urlparse(base).netloc
    queue = deque([start])
    seen_links: set[str] = {start}
    opened_per_pattern: dict[str, int] = {}
    checked_per_pattern: dict[str, int] = {}
    while queue and len(res.visited) < max_pages:
        path = queue.popleft()
        pat = pattern(urlparse(path).path)
        if opened_per_pattern.get(pat, 0) >= PER_PATTERN:
            continue
        opened_per_pattern[pat] = opened_per_pattern.get(pat, 0) + 1
        resp = page.goto(base + path)
        # let the page's own background request (the tab bar's badges) finish before the next navigation
        page.wait_for_load_state("networkidle")
        status = resp.status if resp else 0
        res.visited.append(path)
        if status >= 500 or status in (403, 404):
            res.problems.append(f"{path}: answered {status}")
            continue
        if urlparse(page.url).path.startswith("/accounts/login/"):
            res.problems.append(f"{path}: sent to the login page")
            continue
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                   .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""
            )
            res.problems.append(f"{path}: wider than the screen ({width[0]} > {width[1]} px): {wide}")
        if pat not in axe_seen:
            axe_seen.add(pat)
            res.axe_checked += 1
            for v in _axe(page):
                res.problems.append(f"{path}: axe {v}")
        hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
        for href in hrefs:
            url = urldefrag(urljoin(base + path, href)).url
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or parsed.netloc != host:
                continue
            rel = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            if rel in seen_links or SKIP_ALL.search(parsed.path):
                continue
            seen_links.add(rel)
            lpat = pattern(parsed.path)
            if SKIP_VISIT.search(parsed.path) or opened_per_pattern.get(lpat, 0) >= PER_PATTERN:
                # not opened as a page: its status still counts
                if checked_per_pattern.get(lpat, 0) < LINK_CHECKS_PER_PATTERN:
                    checked_per_pattern[lpat] = checked_per_pattern.get(lpat, 0) + 1
                    r = page.request.get(base + rel, max_redirects=0)
                    if r.status in (403, 404) or r.status >= 500:
                        res.problems.append(f"{path}: links to {rel}, which answers {r.status}")
                continue
            queue.append(rel)
    return res
