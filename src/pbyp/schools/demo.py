"""Seed data: the demo school (`pbyp demo`) and big schools for benchmarks (bench/).

Seeding writes rows in bulk, straight through the ORM, so a 2,000-learner school takes seconds;
it sends no emails and keeps no audit trail. Everything people do in the product goes through
the services instead.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from pbyp.accounts.models import User
from pbyp.evidence.models import Decision, Evidence, Outcome, Route, Status
from pbyp.ladders.defaults import stable_id
from pbyp.ladders.models import Achievement, LevelSource, Step, Target
from pbyp.ladders.services import ensure_default_framework
from pbyp.schools.calendar import typical_english_year
from pbyp.schools.models import CalendarPeriod, Membership, ParentLink, Role, School, TutorGroup

DEMO_PASSWORD = "pbyp-demo"  # noqa: S105 - the demo logins, shown in the README
DEMO_SLUG = "oakfield"
# The demo learner's targets (step 1 of each); `peer` and `peer2` achieved those steps by evidence,
# with a few more, so the learner's work on them goes to peers. Nobody has done "Presenting to an
# audience" yet, so work on it goes to a teacher: the demo shows both routes.
DEMO_TARGETS = ["TW1", "CT1"]  # Working in a team; Coming up with ideas
PEER_ACHIEVED = [*DEMO_TARGETS, "IE1", "SM1", "EP3"]
GROUP_LETTERS = "KLMNOPQRSTUVWXYZABCDEFGHIJ"

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Grace",
    "Harry",
    "Isla",
    "Jack",
    "Kai",
    "Layla",
    "Max",
    "Nia",
    "Oscar",
    "Priya",
    "Quinn",
    "Ravi",
    "Sofia",
    "Theo",
    "Uma",
    "Vinny",
    "Willow",
    "Yusuf",
    "Zara",
    "Alfie",
    "Bea",
    "Callum",
    "Daisy",
    "Ethan",
    "Freya",
    "George",
    "Hana",
    "Ivan",
    "Jasmine",
    "Kofi",
    "Lily",
    "Mo",
    "Nora",
    "Olly",
    "Poppy",
    "Rosie",
    "Sam",
    "Tilly",
    "Ulrich",
    "Violet",
    "Will",
    "Xander",
    "Yara",
    "Zac",
    "Aisha",
    "Bilal",
    "Cerys",
    "Dylan",
    "Efa",
    "Gethin",
    "Iwan",
    "Megan",
    "Rhys",
    "Seren",
]
LAST_NAMES = [
    "Adams",
    "Begum",
    "Clarke",
    "Davies",
    "Evans",
    "Fisher",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "Owen",
    "Patel",
    "Quayle",
    "Roberts",
    "Smith",
    "Taylor",
    "Usman",
    "Vaughan",
    "Walker",
    "Young",
    "Zielinski",
    "Ahmed",
    "Brown",
    "Campbell",
    "Edwards",
    "Francis",
    "Griffiths",
    "Hall",
    "Jenkins",
    "Kaur",
    "Lloyd",
    "Mills",
    "Murphy",
    "Okafor",
    "Price",
    "Reid",
    "Shaw",
    "Thomas",
    "Turner",
    "Ward",
    "Wilson",
    "Wright",
]
TEACHERS = [
    ("Ms", "Helen", "Price"),
    ("Mr", "Tom", "Okafor"),
    ("Mrs", "Sue", "Lloyd"),
    ("Dr", "Ali", "Rahman"),
]


@dataclass
class Seeded:
    school: School
    learners: int
    teachers: int


def _user(username, first, last, email="", password_hash=None, **extra) -> User:
    return User(
        username=username,
        first_name=first,
        last_name=last,
        email=email,
        password=password_hash,
        **extra,
    )


@transaction.atomic
def seed_school(
    *,
    name: str,
    slug: str,
    learners: int,
    years: range = range(5, 12),
    teachers: int = 4,
    parents: int = 12,
    password: str = DEMO_PASSWORD,
    named_cast: bool = False,
    seed: int = 7,
) -> Seeded:
    """A realistic school: tutor groups per year (about 25 learners each), tutors, a manager,
    parents linked to some learners. `named_cast` adds the demo logins of the README."""
    rng = random.Random(seed)
    password_hash = make_password(password)  # hashed once: every seeded account shares it
    school = School.objects.create(name=name, slug=slug)
    ensure_default_framework(school)
    prefix = "" if named_cast else f"{slug}."

    staff = []
    for i in range(teachers):
        title, first, last = TEACHERS[i % len(TEACHERS)]
        username = (
            "tutor"
            if named_cast and i == 0
            else f"{prefix}{first.lower()}.{last.lower()}{i // 4 or ''}"
        )
        staff.append(_user(username, first, last, f"{username}@{slug}.example", password_hash))
    manager = _user(
        "manager" if named_cast else f"{prefix}manager",
        "Jo",
        "Bennett",
        f"manager@{slug}.example",
        password_hash,
    )
    User.objects.bulk_create([*staff, manager])
    Membership.objects.bulk_create(
        [Membership(school=school, user=t, role=Role.TEACHER) for t in staff]
        + [
            Membership(school=school, user=manager, role=Role.MANAGER),
            Membership(school=school, user=manager, role=Role.TEACHER),
        ]
    )

    per_year = max(1, learners // len(years))
    groups_per_year = max(1, round(per_year / 25))
    groups = []
    for year in years:
        for g in range(groups_per_year):
            tutor = staff[len(groups) % len(staff)]
            groups.append(
                TutorGroup(
                    school=school,
                    name=f"{year}{GROUP_LETTERS[g % 26]}{g // 26 or ''}",
                    year=year,
                    tutor=tutor,
                )
            )
    specials = {
        0: ("learner", "Amara", "Okoye", 8),
        1: ("peer", "Ben", "Clarke", 9),
        2: ("peer2", "Chloe", "Davies", 10),
    }
    if named_cast:
        # `tutor` tutors the demo learner's group, so their group page shows the learner.
        mine = next(g for g in groups if g.year == specials[0][3])
        tutored = next(g for g in groups if g.tutor == staff[0])
        mine.tutor, tutored.tutor = tutored.tutor, mine.tutor
    TutorGroup.objects.bulk_create(groups)
    by_year = {}
    for group in groups:
        by_year.setdefault(group.year, []).append(group)

    people = []
    for i in range(learners):
        year = years[i % len(years)]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        username = f"{prefix}{first.lower()}.{last[0].lower()}{i}"
        if named_cast and i in specials:
            username, first, last, year = specials[i]
        people.append((_user(username, first, last, "", password_hash), year))
    User.objects.bulk_create([u for u, _ in people])
    memberships = []
    for i, (user, year) in enumerate(people):
        year_groups = by_year[year]
        memberships.append(
            Membership(
                parent_gallery_consent=True,
                school=school,
                user=user,
                role=Role.LEARNER,
                year=year,
                tutor_group=year_groups[i % len(year_groups)],
            )
        )
    Membership.objects.bulk_create(memberships)

    parent_users = []
    for i in range(min(parents, learners)):
        child = people[i * max(1, learners // max(parents, 1))][0]
        username = "parent" if named_cast and i == 0 else f"{prefix}parent{i}"
        parent_users.append(
            (
                _user(
                    username,
                    "Sam" if i == 0 else rng.choice(FIRST_NAMES),
                    child.last_name,
                    f"{username}@family.example",
                    password_hash,
                ),
                child,
            )
        )
    User.objects.bulk_create([p for p, _ in parent_users])
    Membership.objects.bulk_create(
        [Membership(school=school, user=p, role=Role.PARENT) for p, _ in parent_users]
    )
    links = [
        ParentLink(school=school, parent=p, learner=c, confirmed_by=manager)
        for p, c in parent_users
    ]
    if named_cast and len(people) > 4:
        sibling = people[4][0]  # `parent` has two children at the school
        sibling.last_name = parent_users[0][1].last_name
        sibling.save(update_fields=["last_name"])
        links.append(
            ParentLink(
                school=school, parent=parent_users[0][0], learner=sibling, confirmed_by=manager
            )
        )
    ParentLink.objects.bulk_create(links)
    if named_cast:
        by_name = {u.username: u for u, _ in people}
        _seed_peer_work(school, [by_name["peer"], by_name["peer2"]], by_name["learner"], staff[0])
        _seed_copied_work(school, memberships[5:7])
        _seed_calendar(school)
    return Seeded(school=school, learners=learners, teachers=teachers)


DEMO_ORIGINAL = (
    "I gave a talk to my class about the school garden. I showed photos of the raised beds we "
    "built, explained how we planned which vegetables to grow and why we chose a sunny corner, "
    "and answered questions about who waters it in the holidays."
)
DEMO_COPY = DEMO_ORIGINAL.replace("my class", "our class").replace("photos", "pictures")


def _seed_copied_work(school, learners) -> None:
    """Two learners' work on the same step, the second copied from the first: the integrity
    checks hold it, so the demo's teachers have a flag to look at."""
    from pbyp.evidence.services import evidence_submit
    from pbyp.integrity.checks import check_and_route

    step = Step.objects.get(
        ladder__identifier=stable_id("pbyp-life-skills", "EP1"),
        ladder__version__framework__school=school,
        level=1,
    )
    for member, words in zip(learners[:2], (DEMO_ORIGINAL, DEMO_COPY), strict=True):
        member.school = school
        work = evidence_submit(learner=member, step=step, reflection=words, context="lesson")
        check_and_route(work)


def _seed_peer_work(school, peers, learner, tutor) -> None:
    """`peer` and `peer2` achieved step 1 of some ladders by evidence (a tutor decided it last
    term), shared in the galleries; the demo learner has chosen targets on two of them."""
    steps = {
        step.ladder.code: step
        for step in Step.objects.filter(
            ladder__identifier__in=[stable_id("pbyp-life-skills", c) for c in PEER_ACHIEVED],
            ladder__version__framework__school=school,
            level=1,
        ).select_related("ladder")
    }
    when = timezone.now() - timedelta(days=30)
    work = [
        Evidence(
            school=school,
            learner=peer,
            step=step,
            ladder_identifier=step.ladder.identifier,
            step_identifier=step.identifier,
            level=1,
            reflection=f"{peer.first_name} did this at school and wrote about how it showed "
            "the step.",
            context="lesson",
            text="What I did, in a few sentences.",
            status=Status.ACHIEVED,
            share_in_gallery=True,
            route=Route.TEACHER,
            decided_at=when,
            first_review_at=when,
        )
        for peer in peers
        for step in steps.values()
    ]
    Evidence.objects.bulk_create(work)
    # Sent the week before it was decided (submitted_at is set to "now" on creation).
    Evidence.objects.filter(pk__in=[w.pk for w in work]).update(
        submitted_at=when - timedelta(days=7)
    )
    Decision.objects.bulk_create(
        Decision(
            school=school,
            evidence=item,
            assessor=tutor,
            by_teacher=True,
            outcome=Outcome.MEETS,
            went_well="You clearly showed the step.",
            even_better_if="Next time, add a photo.",
        )
        for item in work
    )
    Achievement.objects.bulk_create(
        Achievement(
            school=school,
            learner=item.learner,
            step=item.step,
            ladder_identifier=item.ladder_identifier,
            level=1,
            source=LevelSource.EVIDENCE,
            recorded_by=tutor,
        )
        for item in work
    )
    Target.objects.bulk_create(
        Target(
            school=school,
            learner=learner,
            step=steps[code],
            ladder_identifier=steps[code].ladder.identifier,
        )
        for code in DEMO_TARGETS
    )


def _seed_calendar(school) -> None:
    """This school year's terms, half-terms and bank holiday, as an English school has them."""
    today = timezone.localdate()
    autumn_year = today.year if today.month >= 8 else today.year - 1
    CalendarPeriod.objects.bulk_create(
        CalendarPeriod(
            school=school, kind=p.kind, name=p.name, starts_on=p.starts_on, ends_on=p.ends_on
        )
        for p in typical_english_year(autumn_year)
    )


def seed_demo() -> bool:
    """The demo school of the README, once. Returns False when it was already there."""
    if School.objects.filter(slug=DEMO_SLUG).exists():
        return False
    with transaction.atomic():
        seed_school(name="Oakfield Academy", slug=DEMO_SLUG, learners=60, named_cast=True)
        User.objects.create(
            username="operator",
            first_name="Pat",
            last_name="Operator",
            email="operator@pbyp.example",
            is_operator=True,
            password=make_password(DEMO_PASSWORD),
        )
    return True
