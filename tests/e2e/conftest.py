"""A real browser: pip's Playwright driving Debian's chromium (installed by `make install-test`)."""
import json
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("MINPING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: run `make install-test` (Debian package chromium)")
    # Playwright's sync API runs an event loop in this thread; Django would then refuse ORM
    # calls from the test itself, which are safe here (one thread, no concurrent access).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


SCREENS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}


def _page(browser, viewport, **options):
    context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def phone(browser):
    """A 360 × 740 phone-sized page with Chinese as the browser's language."""
    context, page = _page(browser, SCREENS["phone"])
    yield page
    context.close()


@pytest.fixture(params=sorted(SCREENS))
def screen(browser, request):
    """The same test on a 360 × 740 phone and a 1280 × 800 desktop."""
    context, page = _page(browser, SCREENS[request.param])
    yield page
    context.close()


# axe-core from npm, installed by `make install-test` under var/ (a test tool, never served).
AXE = Path(os.environ.get("MINPING_AXE", settings.BASE_DIR / "var/axe/node_modules/axe-core/axe.min.js"))


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.is_file():
        pytest.fail(f"{AXE} not found: run `make install-test` (npm axe-core)")
    return AXE.read_text(encoding="utf-8")


def axe_problems(page, source: str, *, enhanced_contrast: bool = False) -> list[str]:
    """axe-core's violations and its serious or critical incomplete results on the page as it is now.

    Evaluated through the DevTools protocol, not as a <script> in the page, so a strict
    Content-Security-Policy does not stop it. `enhanced_contrast` adds WCAG AAA contrast (7 : 1).
    """
    page.evaluate(source)
    result = page.evaluate("""(enhanced) => axe.run(document, {
        resultTypes: ["violations", "incomplete"],
        rules: {"color-contrast-enhanced": {enabled: enhanced}}})""", enhanced_contrast)
    problems = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]
    problems += [f"incomplete {v['id']} ({v['impact']}): {json.dumps([n['target'] for n in v['nodes']][:3])} "
                 f"{[c.get('message') for n in v['nodes'][:1] for c in n['any'] + n['none']]}"
                 for v in result["incomplete"] if v["impact"] in ("serious", "critical")]
    return problems
