"""What the browser tests share: the viewports, the pad's strokes and where they land, axe's
serious findings, and a class's steps (a teacher starts one, a student joins with the join link,
trains, picks an option of a select box)."""

from __future__ import annotations

import re

from bench.browser import ROOT

ARTIFACTS = ROOT / "test-artifacts"  # screenshots (ignored by git)
PROJECTOR, PHONE = {"width": 1280, "height": 720}, {"width": 390, "height": 844}
LONG = 180_000  # ms: five students training in turn on a busy two-core machine

# a 7 and a 1, as fractions of the pad's side: (x, y) points of one stroke each
SEVEN = [(0.2 + 0.55 * i / 10, 0.18) for i in range(11)] + [
    (0.75 - 0.3 * i / 12, 0.18 + 0.66 * i / 12) for i in range(1, 13)
]
ONE = [(0.45 + 0.1 * i / 12, 0.15 + 0.7 * i / 12) for i in range(13)]


def pad_points(page, stroke):
    box = page.locator("canvas.pad").bounding_box()
    return [(box["x"] + box["width"] * x, box["y"] + box["height"] * y) for x, y in stroke]


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# (rule id, CSS selector) pairs of findings in Streamlit's own markup that no app code can
# change. Empty: the theme in .streamlit/config.toml fixed every finding Streamlit's defaults
# caused (captions and the selected language at 3.9:1 and 4.2:1 contrast).
EXCLUDED: set[tuple[str, str]] = set()


def serious(response: dict) -> list[str]:
    """The serious and critical violations of an axe run, one line per element."""
    found = []
    for violation in response["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"]:
            target = " >> ".join(map(str, node["target"]))
            if (violation["id"], target) not in EXCLUDED:
                found.append(
                    f"{violation['id']} ({violation['impact']}) at {target}: {violation['help']}"
                )
    return found


def open_page(browser, address: str, viewport=PROJECTOR):
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(address)
    page.wait_for_selector("h1", timeout=60_000)
    return page


def start_class(browser, url: str, lang: str = "en"):
    teacher = open_page(browser, f"{url}/class?lang={lang}")
    teacher.get_by_role("button", name=re.compile("Start a class|Abrir uma turma")).last.click()
    teacher.wait_for_selector(
        "text=/Runs on the board|Ainda não há|No run on the board/", timeout=60_000
    )
    text = teacher.inner_text("body")
    code = re.search(r"(?:code|código) ([A-Z2-9]{6})\b", text).group(1)
    return teacher, code


def join_class(browser, url: str, code: str, nickname: str, viewport=PROJECTOR, lang: str = "en"):
    # the join link, with the settings to train: the small digits, one epoch
    page = open_page(
        browser, f"{url}/class?class={code}&dataset=digits&tc.epochs=1&lang={lang}", viewport
    )
    page.get_by_role("textbox", name=re.compile("Your nickname|Seu apelido")).fill(nickname)
    page.get_by_role("button", name=re.compile("^(Join|Entrar)$")).click()
    page.wait_for_selector(f"text={nickname}", timeout=60_000)
    return page


def train(page) -> None:
    page.get_by_role("link", name=re.compile("Go to Train|Ir para Treinar")).click()
    page.wait_for_selector("text=/Epochs|Épocas/", timeout=60_000)
    page.wait_for_timeout(500)
    page.get_by_role("button", name=re.compile("Train|Treinar")).filter(
        has_text=re.compile(r"(Train|Treinar)$")
    ).last.click()
    page.wait_for_timeout(1500)


def choose(page, label: str, option: str) -> None:
    """Pick an option of a select box; again if the board's refresh closed the list first."""
    for _ in range(5):
        page.get_by_label(label, exact=True).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
        except Exception:  # the list closed under a refresh: open it again
            continue
        page.wait_for_timeout(1500)  # the rerun that records the choice
        return
    raise AssertionError(f"could not choose {option} in {label}")
