"""axe-core and keyboard checks for the browser tests (test_browser_a11y.py; docs/accessibility.md).

axe-core is vendored for the tests in ./vendor/axe-core and never served. It is injected with page.evaluate, which
the pages' Content-Security-Policy does not govern, so a page is measured as it is served. Results accumulate in
RESULTS (per page) and KEYBOARD (key presses per task) and are written by write_report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"  # see vendor/README.md
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
IMPACTS = ("critical", "serious", "moderate", "minor")
FAILING = {"critical", "serious"}
RESULTS: dict[str, dict[str, Any]] = {}  # page name → counts and violations, in the order measured
KEYBOARD: dict[str, Any] = {}  # the keyboard-only path: key presses per task


def axe_source() -> str:
    """The vendored engine, after checking it is the file vendor/README.md describes."""
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, f"{AXE} is not the vendored axe-core {AXE_VERSION}"
    return source.decode()


def write_report(path: Path, viewports: dict[str, Any]) -> None:
    """var/a11y.json: every page measured so far, and the keyboard path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "tool": f"axe-core {AXE_VERSION}", "tags": TAGS, "when": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
        "viewports": viewports, "pages": list(RESULTS.values()), "keyboard": KEYBOARD,
    }, indent=1, ensure_ascii=False) + "\n")


def table() -> list[str]:
    """The measurement as a Markdown table (docs/accessibility.md)."""
    lines = ["| page | viewport | critical | serious | moderate | minor | to review | rules |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in RESULTS.values():
        rules = ", ".join([f"{v['id']} ({v['impact']})" for v in r["violations"]]
                          + ([f"reflow (+{r['wider_than_screen_px']}px)"] if r.get("wider_than_screen_px") else [])) or "—"
        lines.append(f"| {r['page']} `{r['path']}` | {r['viewport']} | " + " | ".join(
            str(r["counts"][impact]) for impact in IMPACTS) + f" | {r['review']} | {rules} |")
    return lines


def settle(page: Any) -> None:
    """Let the page finish what it loads on its own (maps, htmx partials) before it is measured."""
    page.wait_for_load_state("load")
    with contextlib.suppress(PlaywrightTimeout):  # a page that polls may never idle for long: what it
        page.wait_for_load_state("networkidle", timeout=8_000)  # shows by now is what a person sees


def audit(page: Any, axe_source: str, name: str, viewport: str, failures: list[str]) -> dict[str, Any]:
    """Run axe on the page as it is now; record the counts; add a line to `failures` per serious or critical rule.

    On the phone, also WCAG 1.4.10 (reflow), which axe does not test: the page may not be wider than the screen
    (a person would have to scroll sideways to read each line)."""
    settle(page)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    result = page.evaluate("""tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                                          resultTypes: ["violations", "incomplete"]})""", TAGS)
    violations = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                   "nodes": [" ".join(map(str, n["target"])) for n in v["nodes"]]} for v in result["violations"]]
    counts = {impact: sum(len(v["nodes"]) for v in violations if v["impact"] == impact) for impact in IMPACTS}
    path = re.sub(r"^https?://[^/]+", "", page.url)
    path = re.sub(r"(/aman/\d+/)[^/]*:[^/]*/", r"\1<token>/", path)  # signed tokens hold colons
    RESULTS[name] = {"page": name, "path": path, "viewport": viewport, "counts": counts,
                     "review": sum(len(v["nodes"]) for v in result["incomplete"]), "violations": violations,
                     "review_rules": {v["id"]: len(v["nodes"]) for v in result["incomplete"]}}
    if viewport == "phone":
        wider = int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))
        RESULTS[name]["wider_than_screen_px"] = max(wider, 0)
        if wider > 0:
            failures.append(f"{name} ({path}, {viewport}): reflow (WCAG 1.4.10) — the page is {wider}px wider than "
                            "the screen")
    for v in violations:
        if v["impact"] in FAILING:
            failures.append(f"{name} ({path}, {viewport}): {v['impact']} {v['id']} — {v['help']}: "
                            + "; ".join(v["nodes"][:5]))
    return RESULTS[name]


# What has the focus, and whether a person can see it: the element matches :focus-visible and draws an outline of
# at least 2 px or a ring (box-shadow). A visually hidden control (a styled radio) may show it on its label instead.
# Chromium's date fields keep the focus in their inner parts, where the field matches :focus-within only. A region
# that a script or the skip link focuses (tabindex="-1", not a control) is a reading position, not a stop: skipped.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  if (el.tabIndex < 0 && !el.matches("a[href], button, input, select, textarea, summary")) return null;
  const drawn = (node) => {
    const s = getComputedStyle(node);
    return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none";
  };
  const box = el.getBoundingClientRect(), hidden = box.width < 2 || box.height < 2 || getComputedStyle(el).opacity === "0";
  const label = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`));
  const focused = el.matches(":focus-visible") || (el.matches("input") && el.matches(":focus-within"));
  return {visible: focused && (drawn(el) || (hidden && !!label && drawn(label))),
          what: el.outerHTML.slice(0, 160)};
}"""


class Keyboard:
    """Moves through a page with the keys only, checking on every stop that the focus can be seen."""

    def __init__(self, page: Any) -> None:
        self.page, self.presses, self.unseen = page, 0, []

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.presses += 1
        try:
            focus = self.page.evaluate(FOCUS)
        except PlaywrightError:  # the key started a navigation: the next page is checked from its first stop
            return
        if focus and not focus["visible"]:
            self.unseen.append(f"{self.page.url}: {focus['what']}")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=15)
        self.presses += len(text)

    def focused(self, target: Any) -> bool:
        return bool(target.evaluate("el => el === document.activeElement"))

    def tab_to(self, target: Any, *, limit: int = 60) -> None:
        """Press Tab until `target` has the focus (it may have it already: autofocus)."""
        target.wait_for(state="visible")
        for _ in range(limit):
            if self.focused(target):
                return
            self.press("Tab")
        assert self.focused(target), f"{limit} presses of Tab never reached {target}"
