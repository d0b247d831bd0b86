"""Frameworks, the default 24 ladders, levels, targets, baselines and the framework editor."""

import pytest

from pbyp.ladders import services
from pbyp.ladders.models import (
    Achievement,
    Framework,
    FrameworkVersion,
    Ladder,
    LevelSource,
    SchoolFramework,
    Step,
    Target,
    VersionStatus,
)
from pbyp.ladders.selectors import levels_for
from pbyp.schools.models import Membership
from tests.cast import make_learner
from tests.ladders.helpers import published_ladders, step_of

PRESENTING_1 = "Stand up and do a show-and-tell to the people in your class"


def test_every_school_gets_the_default_framework_with_shared_identifiers(cast):
    for school in (cast.school_a, cast.school_b):
        version = FrameworkVersion.objects.get(school=school, status=VersionStatus.PUBLISHED)
        assert version.strands.count() == 6
        assert version.ladders.count() == 24
        steps = Step.objects.filter(ladder__version=version)
        assert steps.count() == 216
        assert not steps.filter(level__lte=3, early_years="").exists()
        assert not steps.filter(level__gt=3).exclude(early_years="").exists()
        assert SchoolFramework.objects.filter(school=school, framework=version.framework).exists()
    a = set(Step.objects.filter(school=cast.school_a).values_list("identifier", flat=True))
    b = set(Step.objects.filter(school=cast.school_b).values_list("identifier", flat=True))
    assert a == b and len(a) == 216
    assert step_of(cast.school_a, "EP1", 1).statement == PRESENTING_1


def test_statements_climb_and_are_unique(cast):
    statements = list(Step.objects.filter(school=cast.school_a).values_list("statement", flat=True))
    assert len(set(statements)) == 216
    assert all(0 < len(s.split()) <= 30 for s in statements)


def test_my_ladders_shows_all_24_ladders_by_strand(cast, as_user):
    page = as_user(cast.learner).get("/ladders/").content.decode()
    for ladder in published_ladders(cast.school_a):
        assert ladder.title in page
    assert page.count('class="strand"') == 6
    assert "You have no targets yet" in page
    next_page = as_user(cast.learner).get("/ladders/next/").content.decode()
    assert "24 targets to choose from" in next_page
    assert PRESENTING_1 in next_page


def test_early_years_learners_see_early_years_wording(cast, as_user):
    young = make_learner(cast.school_a, "young", year=1)
    step = step_of(cast.school_a, "EP1", 1)
    page = as_user(young.user).get(f"/ladders/{step.ladder.identifier}/").content.decode()
    assert step.early_years in page
    assert PRESENTING_1 not in page


def test_choose_and_drop_a_target(cast, as_user):
    client = as_user(cast.learner)
    step = step_of(cast.school_a, "EP1", 1)
    response = client.post("/targets/choose/", {"step": step.pk}, follow=True)
    assert "is now one of your targets" in response.content.decode()
    assert Target.objects.filter(learner=cast.learner, step=step).exists()
    home = client.get("/me/").content.decode()
    assert "Presenting to an audience, step 1" in home
    assert (
        "Your target: step 1" in client.get(f"/ladders/{step.ladder.identifier}/").content.decode()
    )
    # A double click keeps one target.
    client.post("/targets/choose/", {"step": step.pk})
    assert Target.objects.filter(learner=cast.learner).count() == 1
    target = Target.objects.get(learner=cast.learner)
    client.post(f"/targets/{target.pk}/drop/")
    assert not Target.objects.filter(learner=cast.learner).exists()


def test_choosing_a_step_that_is_not_the_next_one_is_refused(cast, as_user):
    step = step_of(cast.school_a, "EP1", 3)
    response = as_user(cast.learner).post("/targets/choose/", {"step": step.pk}, follow=True)
    assert "You can choose step 1 on this ladder" in response.content.decode()
    assert not Target.objects.exists()


def test_choosing_a_step_of_a_framework_the_school_does_not_use_is_refused(cast, as_user):
    other_school_step = step_of(cast.school_b, "EP1", 1)
    assert (
        as_user(cast.learner).post("/targets/choose/", {"step": other_school_step.pk}).status_code
        == 404
    )
    SchoolFramework.objects.filter(school=cast.school_a).delete()
    mine = step_of(cast.school_a, "EP1", 1)
    assert as_user(cast.learner).post("/targets/choose/", {"step": mine.pk}).status_code == 404
    assert as_user(cast.learner).get(f"/ladders/{mine.ladder.identifier}/").status_code == 404
    assert not Target.objects.exists()


def test_staff_cannot_choose_targets_or_drop_others(cast, as_user):
    step = step_of(cast.school_a, "EP1", 1)
    assert as_user(cast.tutor).post("/targets/choose/", {"step": step.pk}).status_code == 403
    target = services.target_choose(learner=cast.learner_m, step=step)
    assert as_user(cast.peer).post(f"/targets/{target.pk}/drop/").status_code == 404
    assert Target.objects.filter(pk=target.pk).exists()


def test_year_group_baseline_moves_the_next_step_but_is_not_evidence(cast, as_user):
    client = as_user(cast.tutor)
    response = client.post(
        "/progress/baselines/", {"who": "year", "year": 8, "ladder": "all", "level": 3}
    )
    assert response.status_code == 302
    ladders = published_ladders(cast.school_a)
    levels = levels_for(cast.school_a, [cast.learner.pk])
    assert all(levels[(cast.learner.pk, lad.identifier)] == 3 for lad in ladders)
    assert (cast.peer.pk, ladders[0].identifier) not in levels_for(
        cast.school_a, [cast.peer.pk]
    )  # Year 9
    rows = Achievement.objects.filter(learner=cast.learner)
    assert rows.count() == 24 and set(rows.values_list("source", flat=True)) == {
        LevelSource.BASELINE
    }
    page = as_user(cast.learner).get("/ladders/next/").content.decode()
    assert step_of(cast.school_a, "EP1", 4).statement in page
    # Back to 0 removes it.
    client = as_user(cast.tutor)
    client.post(
        "/progress/baselines/",
        {"who": "learner", "learner": cast.learner_m.pk, "ladder": "all", "level": 0},
    )
    assert not Achievement.objects.filter(learner=cast.learner).exists()


def test_baseline_for_one_learner_on_one_ladder_clears_a_target_it_passes(cast, as_user):
    step = step_of(cast.school_a, "EP1", 1)
    services.target_choose(learner=cast.learner_m, step=step)
    as_user(cast.manager).post(
        "/progress/baselines/",
        {"who": "learner", "learner": cast.learner_m.pk, "ladder": str(step.ladder_id), "level": 2},
    )
    assert (
        levels_for(cast.school_a, [cast.learner.pk])[(cast.learner.pk, step.ladder.identifier)] == 2
    )
    assert not Target.objects.exists()


def test_baseline_form_explains_missing_choices(cast, as_user):
    response = as_user(cast.tutor).post(
        "/progress/baselines/", {"who": "group", "ladder": "all", "level": 2}
    )
    assert response.status_code == 200
    assert "Choose one." in response.content.decode()


def test_baseline_cannot_reach_another_schools_learners(cast, as_user):
    response = as_user(cast.tutor).post(
        "/progress/baselines/",
        {"who": "learner", "learner": cast.b_learner_m.pk, "ladder": "all", "level": 3},
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Achievement.objects.exists()


def test_progress_grid_shows_levels_and_remembers_filters(cast, as_user):
    services.baseline_set(
        school=cast.school_a,
        learners=[cast.learner_m],
        ladders=list(published_ladders(cast.school_a)[:1]),
        level=4,
        by=cast.tutor,
    )
    client = as_user(cast.tutor)
    page = client.get("/progress/").content.decode()  # the tutor's own group by default
    assert "Okoye, Amara" in page and 'class="lvl lvl-4"' in page
    assert "Beacon" not in page
    client.get("/progress/?year=9&group=")
    page = client.get("/progress/").content.decode()
    assert "Clarke, Ben" in page and "Okoye, Amara" not in page


def test_manager_edits_a_step_and_publishes_while_old_work_keeps_its_wording(cast, as_user):
    old_step = step_of(cast.school_a, "EP1", 1)
    achieved = Achievement.objects.create(
        school=cast.school_a,
        learner=cast.peer,
        step=old_step,
        ladder_identifier=old_step.ladder.identifier,
        level=1,
        source=LevelSource.EVIDENCE,
    )
    target = services.target_choose(learner=cast.learner_m, step=old_step)
    framework = old_step.ladder.version.framework
    client = as_user(cast.manager)
    client.post(f"/frameworks/{framework.pk}/draft/")
    draft = FrameworkVersion.objects.get(framework=framework, status=VersionStatus.DRAFT)
    assert draft.number == 2
    draft_step = Step.objects.get(ladder__version=draft, ladder__code="EP1", level=1)
    assert draft_step.identifier == old_step.identifier and draft_step.pk != old_step.pk
    response = client.post(
        f"/frameworks/steps/{draft_step.pk}/", {"statement": "Show your class something you made."}
    )
    assert response.status_code == 302
    # Learners still see the published wording until the draft is published.
    assert (
        PRESENTING_1
        in as_user(cast.learner).get(f"/ladders/{old_step.ladder.identifier}/").content.decode()
    )
    client.post(f"/frameworks/{framework.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert (
        FrameworkVersion.objects.get(framework=framework, number=1).status == VersionStatus.RETIRED
    )
    page = as_user(cast.learner).get(f"/ladders/{old_step.ladder.identifier}/").content.decode()
    assert "Show your class something you made." in page and PRESENTING_1 not in page
    # The achievement still points at the wording it was made against; the level carries over.
    achieved.refresh_from_db()
    assert achieved.step.statement == PRESENTING_1
    assert (
        levels_for(cast.school_a, [cast.peer.pk])[(cast.peer.pk, old_step.ladder.identifier)] == 1
    )
    target.refresh_from_db()
    assert target.step == draft_step
    # Published versions can't be edited any more.
    assert client.get(f"/frameworks/steps/{old_step.pk}/").status_code == 404


def test_publishing_a_ladder_with_eight_steps_is_refused(cast, as_user):
    framework = Framework.objects.get(school=cast.school_a)
    client = as_user(cast.manager)
    client.post(f"/frameworks/{framework.pk}/draft/")
    Step.objects.filter(
        ladder__version__status=VersionStatus.DRAFT, ladder__code="EP1", level=9
    ).delete()
    response = client.post(f"/frameworks/{framework.pk}/publish/", follow=True)
    page = response.content.decode()
    assert "has 8 steps: a ladder needs exactly 9" in page
    assert (
        FrameworkVersion.objects.get(framework=framework, number=1).status
        == VersionStatus.PUBLISHED
    )


def test_manager_authors_a_framework_in_the_browser(cast, as_user):
    client = as_user(cast.manager)
    response = client.post(
        "/frameworks/new/", {"title": "Digital skills", "description": "Online life."}
    )
    framework = Framework.objects.get(title="Digital skills")
    assert response.url == f"/frameworks/{framework.pk}/"
    client.post(
        f"/frameworks/{framework.pk}/strands/add/",
        {"title": "Staying safe", "code": "DS", "colour": "#1d4ed8"},
    )
    strand = framework.versions.get().strands.get()
    steps = {f"step_{n}": f"Digital step {n}" for n in range(1, 10)}
    client.post(
        f"/frameworks/{framework.pk}/ladders/add/",
        {"strand": strand.pk, "title": "Passwords", **steps},
    )
    client.post(f"/frameworks/{framework.pk}/publish/")
    version = framework.versions.get()
    assert version.status == VersionStatus.PUBLISHED
    client.post(
        "/frameworks/",
        {
            "frameworks": [
                framework.pk,
                Framework.objects.get(school=cast.school_a, slug="pbyp-life-skills").pk,
            ]
        },
    )
    page = as_user(cast.learner).get("/ladders/").content.decode()
    assert "Passwords" in page and "Presenting to an audience" in page
    # The outsider's school doesn't use it: its ladder page doesn't exist for them.
    ladder = Ladder.objects.get(title="Passwords")
    assert as_user(cast.outsider).get(f"/ladders/{ladder.identifier}/").status_code == 404


def test_a_draft_ladder_may_be_incomplete_but_cannot_be_published(cast, as_user):
    client = as_user(cast.manager)
    client.post("/frameworks/new/", {"title": "Half done"})
    framework = Framework.objects.get(title="Half done")
    client.post(f"/frameworks/{framework.pk}/strands/add/", {"title": "One", "colour": "#1d4ed8"})
    strand = framework.versions.get().strands.get()
    client.post(
        f"/frameworks/{framework.pk}/ladders/add/",
        {"strand": strand.pk, "title": "Short", "step_1": "Only one"},
    )
    page = client.post(f"/frameworks/{framework.pk}/publish/", follow=True).content.decode()
    assert "Ladder “Short” has 1 step: a ladder needs exactly 9" in page


def test_two_managers_starting_a_draft_get_one(cast):
    framework = Framework.objects.get(school=cast.school_a)
    first = services.draft_for_editing(framework=framework, by=cast.manager)
    second = services.draft_for_editing(framework=framework, by=cast.manager)
    assert first.pk == second.pk


MANAGER_PAGES = ["/frameworks/", "/frameworks/new/"]


@pytest.mark.parametrize("url", MANAGER_PAGES)
def test_framework_pages_are_for_managers(cast, as_user, url):
    for who in ("learner", "tutor", "parent"):
        assert as_user(getattr(cast, who)).get(url).status_code == 403
    assert as_user(cast.manager).get(url).status_code == 200


def test_framework_objects_of_another_school_are_404(cast, as_user):
    framework = Framework.objects.get(school=cast.school_a)
    services.draft_for_editing(framework=framework, by=cast.manager)
    draft = framework.versions.get(status=VersionStatus.DRAFT)
    step = Step.objects.filter(ladder__version=draft).first()
    urls = [
        ("get", f"/frameworks/{framework.pk}/"),
        ("post", f"/frameworks/{framework.pk}/draft/"),
        ("get", f"/frameworks/{framework.pk}/strands/add/"),
        ("get", f"/frameworks/{framework.pk}/ladders/add/"),
        ("get", f"/frameworks/strands/{step.ladder.strand_id}/"),
        ("get", f"/frameworks/ladders/{step.ladder_id}/"),
        ("get", f"/frameworks/steps/{step.pk}/"),
        ("post", f"/frameworks/{framework.pk}/publish/"),
    ]
    for method, url in urls:
        assert getattr(as_user(cast.outsider), method)(url).status_code == 404, url
        assert getattr(as_user(cast.tutor), method)(url).status_code in (403, 404), url
        assert getattr(as_user(cast.manager), method)(url).status_code in (200, 302), url


def test_learner_pages_by_role(cast, as_user):
    ladder = published_ladders(cast.school_a)[0]
    for url in ("/ladders/", "/ladders/next/"):
        assert as_user(cast.learner).get(url).status_code == 200
        for who in ("tutor", "parent", "operator"):
            assert as_user(getattr(cast, who)).get(url).status_code == 403
    for who in ("learner", "tutor", "manager", "parent"):
        assert as_user(getattr(cast, who)).get(f"/ladders/{ladder.identifier}/").status_code == 200
    assert as_user(cast.operator).get(f"/ladders/{ladder.identifier}/").status_code == 404
    for url in ("/progress/", "/progress/baselines/"):
        for who in ("learner", "parent", "operator"):
            assert as_user(getattr(cast, who)).get(url).status_code == 403
        assert as_user(cast.tutor).get(url).status_code == 200


def _grow(cast, n):
    group = cast.group_a
    members = [make_learner(cast.school_a, f"grid{i}", year=8, group=group) for i in range(n)]
    services.baseline_set(
        school=cast.school_a,
        learners=members,
        ladders=list(published_ladders(cast.school_a)),
        level=2,
        by=cast.tutor,
    )
    return members


QUERY_PAGES = [
    # (url, who, queries after the 3 every page pays, why)
    ("/ladders/", "learner", 6, "used versions; strands; ladders; steps; levels; targets"),
    ("/ladders/next/", "learner", 6, "as My ladders"),
    # The gallery's files are prefetched only when a gallery has items (+1, see the evidence tests).
    (
        "/ladders/{ladder}/",
        "learner",
        7,
        "used versions; ladder; steps; level; target; open work; gallery",
    ),
    (
        "/progress/",
        "tutor",
        7,
        "groups; count; learners page; used versions; strands; ladders; levels",
    ),
    (
        "/frameworks/",
        "manager",
        4,
        "frameworks; versions; used; publishable frameworks for the form",
    ),
    (
        "/frameworks/{framework}/",
        "manager",
        6,
        "framework (access); versions; strands; ladders; steps; used",
    ),
]


@pytest.mark.parametrize(("url", "who", "own", "why"), QUERY_PAGES, ids=[p[0] for p in QUERY_PAGES])
def test_ladder_page_query_counts_are_fixed(
    cast, as_user, django_assert_num_queries, url, who, own, why
):
    ladder = published_ladders(cast.school_a)[0]
    framework = Framework.objects.get(school=cast.school_a)
    url = url.format(ladder=ladder.identifier, framework=framework.pk)
    client = as_user(getattr(cast, who))
    client.get(url)
    with django_assert_num_queries(3 + own):
        assert client.get(url).status_code == 200
    _grow(cast, 30)  # a group of 30+ learners × 24 ladders, all with levels
    services.target_choose(learner=cast.learner_m, step=step_of(cast.school_a, "EP1", 1))
    with django_assert_num_queries(3 + own):
        assert client.get(url).status_code == 200
    assert Membership.objects.filter(tutor_group=cast.group_a).count() >= 30
