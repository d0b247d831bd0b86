"""Peer assessment as people do it: the demo learner sends evidence for one of their targets;
`peer` (who achieved that step in the demo data) takes it from "work waiting for you" and decides;
with the school's consensus of 2, `peer2` decides too; the learner sees the outcome and both
pieces of feedback, without the assessors' names; the tutor spot-checks the peers' decision.
axe-core checks each page, also on a phone."""

import pytest
from playwright.sync_api import expect

from pbyp.schools.demo import DEMO_PASSWORD, DEMO_SLUG
from pbyp.schools.models import School
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

TEAM_1 = "Working in a team"


def check_as_peer(page, demo_url, sign_in, username, well, better, check_accessibility):
    sign_in(page, demo_url, username, DEMO_PASSWORD)
    expect(page.get_by_role("main")).to_contain_text("Work waiting for you: 1")
    check_accessibility(page)
    page.get_by_role("button", name="Check the next one").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check this work")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Work by Amara O.")
    expect(main).to_contain_text("We built a marble run in a group of four")  # the reflection
    expect(main).to_contain_text("Try: I like how you")  # sentence starters
    check_accessibility(page)
    page.set_viewport_size(PHONE)
    check_accessibility(page)
    page.get_by_label("Meets the statement").check()
    page.get_by_label("What went well").fill(well)
    page.get_by_label("Even better if").fill(better)
    page.get_by_role("button", name="Send my decision").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you")
    check_accessibility(page)
    page.get_by_role("button", name="Sign out").click()


def test_two_peers_check_the_learners_work_and_the_learner_sees_the_outcome(
    page, demo_url, sign_in, check_accessibility
):
    # Every peer decision gets a teacher's spot check, so the tutor's part is shown too.
    School.objects.filter(slug=DEMO_SLUG).update(spot_check_percent=100)
    sign_in(page, demo_url, "learner", DEMO_PASSWORD)
    page.get_by_role("link", name=f"{TEAM_1}, step 1").click()
    page.get_by_role("link", name="Add evidence").click()
    page.get_by_label("What did you do? How does it show the step?").fill(
        "We built a marble run in a group of four and I listened to everyone's ideas."
    )
    page.get_by_label("In a lesson").check()
    page.get_by_role("button", name="Send my evidence").click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Waiting to be checked by other learners who did this step")
    expect(main).to_contain_text("0 of 2 checks done")
    check_accessibility(page)
    page.get_by_role("button", name="Sign out").click()

    check_as_peer(
        page,
        demo_url,
        sign_in,
        "peer",
        "You listened to everyone in your group.",
        "Say what you did to help the group agree.",
        check_accessibility,
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    check_as_peer(
        page,
        demo_url,
        sign_in,
        "peer2",
        "Your marble run team sounds brilliant.",
        "Add a photo of the marble run.",
        check_accessibility,
    )

    sign_in(page, demo_url, "learner", DEMO_PASSWORD)
    page.get_by_role("link", name="new message").click()
    page.get_by_role("link", name="Well done!").click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Meets the statement!")
    expect(main).to_contain_text("You listened to everyone in your group.")
    expect(main).to_contain_text("Add a photo of the marble run.")
    expect(main).to_contain_text("another learner who did this step")
    expect(main).not_to_contain_text("Ben Clarke")
    check_accessibility(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, demo_url, "tutor", DEMO_PASSWORD)
    page.get_by_role("link", name="Assess", exact=True).click()
    page.get_by_role("link", name="Spot checks (1)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spot checks")
    check_accessibility(page)
    page.get_by_role("link", name="Check Amara Okoye's work").click()
    expect(page.get_by_role("main")).to_contain_text("We built a marble run")
    check_accessibility(page)
    page.get_by_label("Meets the statement").check()
    page.get_by_label("What went well").fill("A clear account of listening to the group.")
    page.get_by_label("Even better if").fill("Say how the group decided.")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("status")).to_contain_text("You agreed")
