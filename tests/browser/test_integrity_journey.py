"""A teacher deals with work the integrity checks held: in the demo, one learner's talk about the
school garden copies another's. The tutor sees both side by side with the matching words marked,
returns it with a note, and the learner reads the note. axe-core checks each page."""

import pytest
from playwright.sync_api import expect

from pbyp.schools.demo import DEMO_PASSWORD
from pbyp.schools.models import Membership

pytestmark = pytest.mark.browser


def test_a_teacher_returns_copied_work_and_the_learner_reads_why(
    page, demo_url, sign_in, check_accessibility
):
    sign_in(page, demo_url, "tutor", DEMO_PASSWORD)
    page.get_by_role("link", name="Assess", exact=True).click()
    expect(page.get_by_role("table")).to_contain_text("held")
    page.get_by_role("link", name="Integrity flags").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integrity flags")
    check_accessibility(page)
    page.get_by_role("link", name="Look").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Text copied from other work")
    expect(page.locator("mark").first).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Note for the learner").fill(
        "Please write about the garden in your own words."
    )
    page.get_by_role("button", name="Problem: return it to the learner").click()
    expect(page.get_by_role("status")).to_contain_text("Returned to the learner")
    page.get_by_role("button", name="Sign out").click()

    copier = Membership.objects.filter(user__evidence__flags__isnull=False).get().user
    sign_in(page, demo_url, copier.username, DEMO_PASSWORD)
    expect(page.get_by_role("main")).to_contain_text("sent back by a teacher")
    page.get_by_role("link", name="needs another go").first.click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("A teacher sent this work back to you.")
    expect(main).to_contain_text("Please write about the garden in your own words.")
    check_accessibility(page)
