"""Browser test foundation (ARCHITECTURE.md, Tests): Playwright drives Debian's Chromium against
pytest-django's live server, signs in through the real login form and runs axe-core on each page.

The browser tests skip, saying why, only when no Chromium executable is installed; nothing here
downloads a browser (never run `playwright install`).
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from pbyp.schools.demo import seed_demo

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Django's label suffix makes them "Username:" and "Password:".
USERNAME_LABEL = re.compile(r"^Username:?$")
PASSWORD_LABEL = re.compile(r"^Password:?$")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000

# axe-core 4.12 (bundled with axe-playwright-python 0.1.8) knows wcag22aa (the target-size rule).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
FAILING_IMPACTS = {"serious", "critical"}


def find_chromium() -> str | None:
    """CHROMIUM_PATH, then Debian's and Ubuntu's usual paths, then whatever is on PATH."""
    candidates = [
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        shutil.which("chromium"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="package", autouse=True)
def chromium_executable() -> str:
    """Every test in tests/browser skips, saying why, when no Chromium is installed."""
    path = find_chromium()
    if path is None:
        reason = (
            "No Chromium installed: set CHROMIUM_PATH or install Debian's chromium package "
            "(looked at $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, PATH)."
        )
        if os.environ.get("PBYP_REQUIRE_BROWSER"):
            pytest.fail(reason + " PBYP_REQUIRE_BROWSER is set, so this is an error.")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="package")
def browser(chromium_executable: str) -> Iterator[Browser]:
    """One headless Chromium for every browser test.

    Package scope rather than session scope on purpose: while Playwright's sync API is started
    it keeps an asyncio loop running in the main thread, which breaks `async_to_sync` (and, without
    DJANGO_ALLOW_ASYNC_UNSAFE, the ORM) in any test that runs after it. Package scope reuses the
    browser across all of tests/browser and stops it before the rest of the suite runs.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # The ORM refuses to run in a thread with a running event loop; Playwright's sync API runs one.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own browser context (no cookies shared between tests)."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def demo_url(transactional_db, live_server) -> str:
    """The live server's address, with the demo school (Oakfield Academy) in its database.

    Transactional: the live server runs in another thread, so it must see committed rows."""
    seed_demo()
    return live_server.url


def _sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Sign in as a person would: open /login/, type into the labelled fields, press Sign in."""
    page.goto(f"{base_url}/login/")
    page.get_by_label(USERNAME_LABEL).fill(username)
    page.get_by_label(PASSWORD_LABEL).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def sign_in() -> Callable[[Page, str, str, str], None]:
    """sign_in(page, base_url, username, password) through the real login form."""
    return _sign_in


def _selector(target: list) -> str:
    """axe's node target: a selector per frame, each a string or (inside shadow DOM) a list."""
    return " >>> ".join(part if isinstance(part, str) else " >> ".join(part) for part in target)


def _format_violation(violation: dict) -> str:
    lines = [
        f"- {violation['id']} ({violation['impact']}): {violation['help']}",
        f"  {violation.get('helpUrl', '')}",
    ]
    lines += [f"    at {_selector(node['target'])}" for node in violation["nodes"]]
    return "\n".join(lines)


def _check_accessibility(page: Page) -> None:
    """Run axe-core on the page as it is now; fail listing every serious or critical violation.
    It waits for the page to finish loading first: axe run while a form's response replaces the
    document finds no document to read."""
    page.wait_for_load_state("load")
    results = Axe().run(page, options=AXE_OPTIONS)
    failing = [v for v in results.response["violations"] if v.get("impact") in FAILING_IMPACTS]
    if failing:
        size = page.viewport_size or {}
        report = "\n".join(_format_violation(v) for v in failing)
        pytest.fail(
            f"axe-core found {len(failing)} serious/critical accessibility violation(s) on "
            f"{page.url} at {size.get('width')}x{size.get('height')}:\n{report}",
            pytrace=False,
        )


@pytest.fixture
def check_accessibility() -> Callable[[Page], None]:
    """check_accessibility(page): axe-core with WCAG 2.0/2.1/2.2 A and AA plus best practice."""
    return _check_accessibility
