"""Browser tests: Playwright drives Debian's Chromium against Django's live server.

Every test here is marked ``browser`` (select with ``-m browser``, leave out with
``-m "not browser"``). Without Chromium they are skipped with a loud notice; ``make test``
installs it where it can. ``SCREENSHOTS=1`` in the environment saves the main pages
to docs/screenshots/ for the README.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.factories import seed_segments

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def _have_chromium() -> bool:
    return Path(CHROMIUM).exists()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    mine = [item for item in items if here in Path(str(item.fspath)).parents]
    for item in mine:
        item.add_marker(pytest.mark.browser)
    # Last: they are the slowest, and their flushes (live-server tests commit) then
    # cannot take the seeded segments away from other transactional tests.
    chosen = set(map(id, mine))
    items[:] = [item for item in items if id(item) not in chosen] + mine
    if mine and not _have_chromium():
        banner = "!" * 78
        sys.stderr.write(
            f"\n{banner}\n!! Chromium not found at {CHROMIUM}: "
            f"{len(mine)} browser tests are SKIPPED."
            f"\n!! Install it with: apt-get install -y chromium\n{banner}\n\n"
        )
        skip = pytest.mark.skip(reason=f"Chromium not installed ({CHROMIUM})")
        for item in mine:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def _orm_beside_playwrights_loop() -> Iterator[None]:
    """Playwright's sync API starts an event loop in the test thread and leaves it marked
    running until the session ends, so Django's async-safety check would refuse the tests'
    own ORM calls (fixtures, assertions on rows, flushes), which are plain synchronous code.
    The check is lifted from the first browser test on: they run last, so every other test
    keeps it (tests/marketplace/test_async_safety.py proves it)."""
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    yield
    if previous is None:
        del os.environ[ASYNC_UNSAFE]
    else:
        os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, _orm_beside_playwrights_loop) -> dict:
    # Asking for the lifted check here sets it before Playwright starts its loop.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "en-US", "viewport": DESKTOP}


@pytest.fixture(autouse=True)
def _segments(_orm_beside_playwrights_loop, transactional_db) -> None:
    # Browser tests run on committed data (the live server is another thread), so each
    # starts from a flushed database: put back the seeded segments.
    seed_segments()


@pytest.fixture
def page(page, live_server):
    page.set_default_timeout(15_000)
    page.base = live_server.url  # type: ignore[attr-defined]
    return page


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable:
    """``shot(page, "name")`` saves docs/screenshots/name.png when screenshots are asked for."""
    wanted = os.environ.get("SCREENSHOTS") == "1"

    def take(page, name: str, *, full_page: bool = True) -> None:
        if not wanted:
            return
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=full_page)

    return take


@pytest.fixture(scope="session")
def _fake_stripe_server():
    from tests.billing.fake_stripe import FakeStripe, serve

    fake = FakeStripe()
    server = serve(fake)
    yield fake
    server.shutdown()


@pytest.fixture
def fake_stripe(_fake_stripe_server, settings):
    """Stripe's API answered by the billing tests' recording fake (Checkout Sessions)."""
    from tests.billing.stripe.helpers import WEBHOOK_SECRET

    _fake_stripe_server.reset()
    settings.STRIPE_SECRET_KEY = "sk_test_leadmarket"
    settings.STRIPE_API_BASE = _fake_stripe_server.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.CURRENCY = "USD"
    return _fake_stripe_server
