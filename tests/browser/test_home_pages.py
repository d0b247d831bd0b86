"""Each demo login signs in through the form and lands on a home page that makes sense for their
role, passes axe-core, and fits a phone screen without sideways scrolling."""

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, expect

from pbyp.schools.demo import DEMO_PASSWORD
from tests.browser.conftest import PASSWORD_LABEL, PHONE, USERNAME_LABEL

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Home:
    username: str
    path: str
    heading: str
    also_shows: tuple[str, ...] = field(default=())


HOMES = [
    Home("learner", "/me/", "Hello Amara", ("Your tutor group is",)),
    Home("peer", "/me/", "Hello Ben", ("Your tutor group is",)),
    Home("peer2", "/me/", "Hello Chloe", ("Your tutor group is",)),
    Home("tutor", "/tutor/", "My tutor groups", ("Amara Okoye",)),
    Home("manager", "/school/", "Oakfield Academy at a glance", ("Learners by year group",)),
    Home("parent", "/parent/", "Your children", ("Amara Okoye",)),
    Home("operator", "/operator/", "Schools", ("Oakfield Academy",)),
]


def assert_no_sideways_scrolling(page: Page) -> None:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"] + 1, (
        f"{page.url} scrolls sideways on a phone: content is {widths['scroll']}px wide "
        f"in a {widths['inner']}px window"
    )


@pytest.mark.parametrize("home", HOMES, ids=[h.username for h in HOMES])
def test_each_role_signs_in_to_their_home_page(page, demo_url, sign_in, check_accessibility, home):
    sign_in(page, demo_url, home.username, DEMO_PASSWORD)

    expect(page).to_have_url(f"{demo_url}{home.path}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(home.heading)
    for text in home.also_shows:
        expect(page.get_by_role("main")).to_contain_text(text)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    check_accessibility(page)

    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_sideways_scrolling(page)
    check_accessibility(page)


def test_wrong_password_explains_and_keeps_the_username(
    page, demo_url, sign_in, check_accessibility
):
    page.goto(f"{demo_url}/login/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in")
    check_accessibility(page)

    sign_in(page, demo_url, "learner", "not-the-password")

    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("main")).to_contain_text("don't match")
    expect(page.get_by_label(USERNAME_LABEL)).to_have_value("learner")
    expect(page.get_by_label(PASSWORD_LABEL)).to_have_value("")
    check_accessibility(page)

    page.set_viewport_size(PHONE)
    assert_no_sideways_scrolling(page)
    check_accessibility(page)


def test_unknown_address_shows_the_friendly_not_found_page(page, demo_url, check_accessibility):
    response = page.goto(f"{demo_url}/no-such-page/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("We can't find that page")
    expect(page.get_by_role("link", name="Go to my home page")).to_be_visible()
    check_accessibility(page)

    page.set_viewport_size(PHONE)
    assert_no_sideways_scrolling(page)
    check_accessibility(page)
