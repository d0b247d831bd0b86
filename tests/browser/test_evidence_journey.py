"""The whole learning cycle with a teacher, as people do it: the learner adds evidence with a photo
and a PDF (sharing it in the gallery); the tutor says "not yet" with feedback; the learner sends a
new version; the tutor says it meets the statement; the learner sees the new level and the work in
that step's gallery. axe-core checks each page."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from pbyp.schools.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PRESENTING_1 = "Stand up and do a show-and-tell to the people in your class"


def photo() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(buffer, "JPEG")
    return {"name": "my-show-and-tell.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def pdf() -> dict:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return {"name": "my-notes.pdf", "mimeType": "application/pdf", "buffer": body}


def decide(page, demo_url, sign_in, outcome, well, better, check_accessibility):
    sign_in(page, demo_url, "tutor", DEMO_PASSWORD)
    page.get_by_role("link", name="Assess", exact=True).click()
    check_accessibility(page)
    page.get_by_role("link", name="Assess Amara Okoye's work").click()
    expect(page.get_by_role("main")).to_contain_text(PRESENTING_1)
    check_accessibility(page)
    page.get_by_label(outcome).check()
    page.get_by_label("What went well").fill(well)
    page.get_by_label("Even better if").fill(better)
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("status")).to_contain_text("Decision saved")
    page.get_by_role("button", name="Sign out").click()


def test_learner_goes_round_the_cycle_with_a_teacher(page, demo_url, sign_in, check_accessibility):
    sign_in(page, demo_url, "learner", DEMO_PASSWORD)
    page.get_by_role("link", name="My ladders", exact=True).click()
    page.get_by_role("link", name="Presenting to an audience").click()
    page.get_by_role("link", name="Add evidence").click()
    check_accessibility(page)
    page.get_by_label("What did you do? How does it show the step?").fill(
        "I showed my class the bird box I made and told them how I built it."
    )
    page.get_by_label("In a lesson").check()
    page.get_by_label("Take a photo").set_input_files(photo())
    page.get_by_label("Add files").set_input_files(pdf())
    page.get_by_label("Share my work in the gallery").check()
    page.get_by_role("button", name="Send my evidence").click()
    # Nobody in the demo school has done this step yet, so a teacher checks it.
    expect(page.get_by_role("main")).to_contain_text("Waiting for a teacher")
    expect(page.get_by_role("img", name="Photo: my-show-and-tell.jpg")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Sign out").click()

    decide(
        page,
        demo_url,
        sign_in,
        "Not yet",
        "You clearly told the story of how you made it.",
        "Next time, try looking at your audience.",
        check_accessibility,
    )

    sign_in(page, demo_url, "learner", DEMO_PASSWORD)
    page.get_by_role("link", name="My work").click()
    page.get_by_role("link", name="Presenting to an audience, step 1").click()
    expect(page.get_by_role("main")).to_contain_text("Next time, try looking at your audience.")
    page.get_by_role("link", name="Send a new version").click()
    page.get_by_label("What did you do? How does it show the step?").fill(
        "I showed my bird box again and looked at everyone while I talked."
    )
    page.get_by_label("Take a photo").set_input_files(photo())
    page.get_by_role("button", name="Send my evidence").click()
    expect(page.get_by_role("main")).to_contain_text("Earlier versions")
    page.get_by_role("button", name="Sign out").click()

    decide(
        page,
        demo_url,
        sign_in,
        "Meets the statement",
        "You looked at your audience all the way.",
        "Even better if you asked them a question at the end.",
        check_accessibility,
    )

    sign_in(page, demo_url, "learner", DEMO_PASSWORD)
    page.get_by_role("link", name="My ladders", exact=True).click()
    page.get_by_role("link", name="Presenting to an audience").click()
    expect(page.get_by_role("main")).to_contain_text("You are on level 1")
    page.get_by_text("Ideas from others").first.click()
    expect(page.get_by_role("main")).to_contain_text("by Amara O.")
    check_accessibility(page)
