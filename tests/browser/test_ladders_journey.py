"""The ladders journey as people do it: a learner chooses a target; a tutor sees the progress grid
and sets a baseline; a manager edits a step and publishes a new version. axe-core checks every
page on the way, at desktop and phone sizes."""

import pytest
from playwright.sync_api import expect

from pbyp.schools.demo import DEMO_PASSWORD
from tests.browser.conftest import PHONE
from tests.browser.test_home_pages import assert_no_sideways_scrolling

pytestmark = pytest.mark.browser

PRESENTING_1 = "Stand up and do a show-and-tell to the people in your class"


def check_both_sizes(page, check_accessibility):
    check_accessibility(page)
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert_no_sideways_scrolling(page)
    check_accessibility(page)
    page.set_viewport_size(size)


def test_learner_chooses_a_target_and_sees_it_on_their_home_page(
    page, demo_url, sign_in, check_accessibility
):
    sign_in(page, demo_url, "learner", DEMO_PASSWORD)
    # The demo learner already has two targets; they add a third.
    expect(page.get_by_role("main")).to_contain_text("Working in a team, step 1")
    page.get_by_role("link", name="My ladders", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("My ladders")
    check_both_sizes(page, check_accessibility)
    page.get_by_role("link", name="Presenting to an audience").click()
    expect(page.get_by_text(PRESENTING_1).first).to_be_visible()
    check_both_sizes(page, check_accessibility)
    page.get_by_role("button", name="Make this my target").click()
    expect(page.get_by_role("status")).to_contain_text("is now one of your targets")
    expect(page.get_by_role("heading", name="Your target: step 1")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("main")).to_contain_text("Presenting to an audience, step 1")
    check_accessibility(page)


def test_tutor_sees_the_grid_and_sets_a_year_group_baseline(
    page, demo_url, sign_in, check_accessibility
):
    sign_in(page, demo_url, "tutor", DEMO_PASSWORD)
    page.get_by_role("link", name="Progress").click()
    expect(page.get_by_role("table")).to_contain_text("Okoye, Amara")
    check_both_sizes(page, check_accessibility)
    page.get_by_role("link", name="Set starting levels (baselines)").click()
    check_both_sizes(page, check_accessibility)
    page.get_by_label("A whole year group").check()
    page.get_by_label("Year group", exact=False).and_(page.locator("select")).select_option(
        label="Year 8"
    )
    page.get_by_label("Which ladders?").select_option(label="Every ladder")
    page.get_by_label("Starting level").select_option(label="Level 3")
    page.get_by_role("button", name="Save baseline").click()
    expect(page.get_by_role("status")).to_contain_text("Baseline saved for")
    row = page.get_by_role("row", name="Okoye, Amara")
    expect(row.locator("td.lvl-3")).to_have_count(24)


def test_manager_edits_a_step_and_publishes_a_new_version(
    page, demo_url, sign_in, check_accessibility
):
    sign_in(page, demo_url, "manager", DEMO_PASSWORD)
    page.get_by_role("link", name="Frameworks").click()
    check_both_sizes(page, check_accessibility)
    page.get_by_role("link", name="PbyP life skills").click()
    check_accessibility(page)
    page.get_by_role("button", name="Edit (start a new draft)").click()
    expect(page.get_by_role("main")).to_contain_text("Version 2: Draft")
    page.locator("summary", has_text="Presenting to an audience").click()
    page.get_by_role("link", name="Edit step 1 of Presenting to an audience").click()
    check_both_sizes(page, check_accessibility)
    page.get_by_label("Statement").fill("Show your class something you made and talk about it.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Publish this draft").click()
    expect(page.get_by_role("status")).to_contain_text("Version 2 is published")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, demo_url, "learner", DEMO_PASSWORD)
    page.get_by_role("link", name="My ladders", exact=True).click()
    page.get_by_role("link", name="Presenting to an audience").click()
    expect(page.get_by_role("main")).to_contain_text(
        "Show your class something you made and talk about it."
    )
