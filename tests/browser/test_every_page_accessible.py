"""axe-core on every page each demo role can reach from the menus. Every page must fit a phone
without sideways scrolling; learners' pages (children mostly use phones) pass axe at that size
too."""

import pytest
from playwright.sync_api import expect

from pbyp.ladders.defaults import stable_id
from pbyp.schools.demo import DEMO_PASSWORD
from tests.browser.conftest import PHONE
from tests.browser.test_home_pages import assert_no_sideways_scrolling

pytestmark = pytest.mark.browser

PRESENTING = stable_id("pbyp-life-skills", "EP1")

PAGES = {
    "learner": [
        "/me/",
        "/ladders/",
        "/ladders/next/",
        f"/ladders/{PRESENTING}/",
        "/portfolio/",
        "/notifications/",
        "/peer/",
        "/account/password/",
    ],
    "tutor": [
        "/tutor/",
        "/tutor/assessors/",
        "/assess/",
        "/assess/?with=peers",
        "/assess/spot-checks/",
        "/assess/flags/",
        "/progress/",
        "/progress/baselines/",
        f"/ladders/{PRESENTING}/",
    ],
    "manager": [
        "/school/",
        "/school/learners/",
        "/school/learners/add/",
        "/school/staff/",
        "/school/staff/add/",
        "/school/groups/",
        "/school/groups/add/",
        "/school/parents/",
        "/school/parents/add/",
        "/school/settings/",
        "/school/assessment/",
        "/school/integrity/",
        "/school/calendar/",
        "/school/calendar/add/",
        "/status/",
        "/frameworks/",
        "/frameworks/new/",
        "/frameworks/import/",
    ],
    "parent": ["/parent/"],
    "operator": ["/operator/", "/operator/schools/new/", "/status/"],
}


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_passes_axe(page, demo_url, sign_in, check_accessibility, role):
    sign_in(page, demo_url, role, DEMO_PASSWORD)
    for path in PAGES[role]:
        page.set_viewport_size({"width": 1280, "height": 800})
        response = page.goto(demo_url + path)
        assert response.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_accessibility(page)
        page.set_viewport_size(PHONE)
        assert_no_sideways_scrolling(page)  # wide tables scroll inside their own box
        if role == "learner":
            check_accessibility(page)


def test_anonymous_pages_pass_axe(page, demo_url, check_accessibility):
    for path in ("/login/", "/account/forgot/"):
        page.goto(demo_url + path)
        check_accessibility(page)
