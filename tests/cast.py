"""The named cast every test shares (ARCHITECTURE.md, Tests): at school A a learner, a peer, a
tutor, a manager and a parent; at school B a teacher (the outsider) and a learner of theirs."""

from dataclasses import dataclass

from pbyp.accounts.models import User
from pbyp.ladders.services import ensure_default_framework
from pbyp.schools.models import Membership, ParentLink, Role, School, TutorGroup

PASSWORD = "correct-horse-battery"


def make_user(username: str, first: str = "", last: str = "", email: str = "", **extra) -> User:
    user = User(
        username=username,
        first_name=first or username.title(),
        last_name=last,
        email=email,
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def make_learner(
    school: School,
    username: str,
    *,
    year: int = 8,
    group: TutorGroup | None = None,
    first="",
    last="",
) -> Membership:
    user = make_user(username, first, last or "Learner")
    return Membership.objects.create(
        school=school, user=user, role=Role.LEARNER, year=year, tutor_group=group
    )


def make_staff(school: School, username: str, *roles: str, email: str = "") -> User:
    user = make_user(username, username.title(), "Staff", email or f"{username}@school.example")
    for role in roles or (Role.TEACHER,):
        Membership.objects.create(school=school, user=user, role=role)
    return user


@dataclass
class Cast:
    school_a: School
    school_b: School
    group_a: TutorGroup
    group_b: TutorGroup
    learner: User
    learner_m: Membership
    peer: User
    peer_m: Membership
    tutor: User
    manager: User
    manager_m: Membership
    tutor_m: Membership
    parent: User
    link: ParentLink
    outsider: User
    outsider_m: Membership
    b_learner_m: Membership
    b_link: ParentLink
    operator: User


def build_cast() -> Cast:
    school_a = School.objects.create(name="Ashdown School", slug="ashdown")
    school_b = School.objects.create(name="Beacon School", slug="beacon")
    for school in (school_a, school_b):
        ensure_default_framework(school)
    tutor = make_staff(school_a, "tutor")
    manager = make_staff(school_a, "manager", Role.MANAGER, Role.TEACHER)
    outsider = make_staff(school_b, "outsider", Role.TEACHER, Role.MANAGER)
    group_a = TutorGroup.objects.create(school=school_a, name="8A", year=8, tutor=tutor)
    group_b = TutorGroup.objects.create(school=school_b, name="8B", year=8, tutor=outsider)
    learner_m = make_learner(school_a, "learner", group=group_a, first="Amara", last="Okoye")
    peer_m = make_learner(school_a, "peer", year=9, group=group_a, first="Ben", last="Clarke")
    b_learner_m = make_learner(school_b, "blearner", group=group_b, first="Bea", last="Beacon")
    parent = make_user("parent", "Sam", "Okoye", "parent@family.example")
    Membership.objects.create(school=school_a, user=parent, role=Role.PARENT)
    link = ParentLink.objects.create(
        school=school_a, parent=parent, learner=learner_m.user, confirmed_by=manager
    )
    b_parent = make_user("bparent", "Bo", "Beacon", "bparent@family.example")
    Membership.objects.create(school=school_b, user=b_parent, role=Role.PARENT)
    b_link = ParentLink.objects.create(
        school=school_b, parent=b_parent, learner=b_learner_m.user, confirmed_by=outsider
    )
    operator = make_user("operator", "Pat", "Operator", "operator@pbyp.example", is_operator=True)
    return Cast(
        school_a=school_a,
        school_b=school_b,
        group_a=group_a,
        group_b=group_b,
        learner=learner_m.user,
        learner_m=learner_m,
        peer=peer_m.user,
        peer_m=peer_m,
        tutor=tutor,
        tutor_m=Membership.objects.get(user=tutor, school=school_a),
        manager=manager,
        manager_m=Membership.objects.get(user=manager, school=school_a, role=Role.MANAGER),
        parent=parent,
        link=link,
        outsider=outsider,
        outsider_m=Membership.objects.get(user=outsider, school=school_b, role=Role.TEACHER),
        b_learner_m=b_learner_m,
        b_link=b_link,
        operator=operator,
    )
