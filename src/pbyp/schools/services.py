"""Writes about schools and people. Views, commands and the demo seeder all call these."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.text import slugify

from pbyp.accounts.emails import send_invite
from pbyp.accounts.models import User
from pbyp.accounts.passphrases import new_passphrase
from pbyp.core.audit import audit
from pbyp.core.tasks import enqueue_on_commit
from pbyp.ladders.services import ensure_default_framework
from pbyp.schools.calendar import school_year_span, typical_english_year
from pbyp.schools.models import (
    STAFF_ROLES,
    CalendarPeriod,
    Membership,
    ParentLink,
    PeriodKind,
    Role,
    School,
    TutorGroup,
)

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


def _clean_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError(
            {"username": "Use 2 to 40 letters, numbers, dots, dashes or underscores."}
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username “{username}” is already taken."})
    return username


def _free_username(base: str) -> str:
    """`base`, or base2, base3… whichever is free (one query)."""
    parts = (re.sub(r"[^a-z0-9]", "", slugify(part)) for part in base.split("."))
    base = ".".join(p for p in parts if p) or "user"
    base = base[:34]
    taken = set(
        User.objects.filter(username__istartswith=base).values_list(Lower("username"), flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def _account_for_email(*, email: str, first_name: str, last_name: str) -> tuple[User, bool]:
    """The account with this email address, or a new one without a usable password (the invite
    email lets its owner choose one). Returns (user, created)."""
    email = email.strip()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, False
    user = User(
        username=_free_username(email.split("@")[0]),
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    user.set_unusable_password()
    user.save()
    return user, True


@transaction.atomic
def school_create(
    *, name: str, manager_first_name: str, manager_last_name: str, manager_email: str, by: User
) -> School:
    """An operator creates a school and its first manager, who is emailed an invitation."""
    slug_base = slugify(name)[:50] or "school"
    slug, n = slug_base, 2
    while School.objects.filter(slug=slug).exists():
        slug, n = f"{slug_base}-{n}", n + 1
    school = School.objects.create(name=name.strip(), slug=slug)
    ensure_default_framework(school, by=by)
    manager = staff_add(
        school=school,
        first_name=manager_first_name,
        last_name=manager_last_name,
        email=manager_email,
        roles=[Role.MANAGER, Role.TEACHER],
        by=by,
    )
    audit(school=school, actor=by, action="school.create", subject=manager.user, detail=name)
    return school


@transaction.atomic
def staff_add(
    *, school: School, first_name: str, last_name: str, email: str, roles: list[str], by: User
) -> Membership:
    """Add a member of staff (teacher and/or manager) and email them an invitation."""
    roles = [r for r in roles if r in STAFF_ROLES]
    if not roles:
        raise ValidationError({"roles": "Choose at least one role."})
    user, _created = _account_for_email(email=email, first_name=first_name, last_name=last_name)
    if Membership.objects.filter(user=user, school=school, role__in=roles).exists():
        raise ValidationError({"email": "This person is already on your staff list."})
    first = None
    for role in roles:
        membership = Membership.objects.create(user=user, school=school, role=role)
        first = first or membership
    audit(school=school, actor=by, action="staff.add", subject=user, detail=",".join(roles))
    enqueue_on_commit(send_invite, user_id=user.pk, school_id=school.pk, role="staff")
    return first


@transaction.atomic
def staff_update(
    *,
    membership: Membership,
    first_name: str,
    last_name: str,
    email: str,
    roles: list[str],
    by: User,
) -> None:
    school, user = membership.school, membership.user
    roles = {r for r in roles if r in STAFF_ROLES}
    if not roles:
        raise ValidationError({"roles": "Choose at least one role."})
    email = email.strip()
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": "Another account already uses this email address."})
    if Role.MANAGER not in roles:
        managers = Membership.objects.filter(school=school, role=Role.MANAGER)
        if user == by:
            raise ValidationError({"roles": "You cannot remove your own manager role."})
        if not managers.exclude(user=user).exists():
            raise ValidationError({"roles": "A school needs at least one manager."})
    user.first_name, user.last_name, user.email = first_name.strip(), last_name.strip(), email
    user.save(update_fields=["first_name", "last_name", "email"])
    current = set(
        Membership.objects.staff().filter(user=user, school=school).values_list("role", flat=True)
    )
    Membership.objects.filter(user=user, school=school, role__in=current - roles).delete()
    for role in roles - current:
        Membership.objects.create(user=user, school=school, role=role)
    audit(school=school, actor=by, action="staff.update", subject=user, detail=",".join(roles))


def _check_group(school: School, tutor_group: TutorGroup | None) -> None:
    if tutor_group is not None and tutor_group.school_id != school.pk:
        raise ValidationError({"tutor_group": "Choose one of your school's tutor groups."})


@transaction.atomic
def learner_add(
    *,
    school: School,
    first_name: str,
    last_name: str,
    year: int,
    tutor_group: TutorGroup | None,
    username: str = "",
    parent_gallery_consent: bool = False,
    by: User | None,
) -> tuple[Membership, str]:
    """Add a learner with a school-issued passphrase. Returns (membership, passphrase): the
    passphrase is shown once to the person adding them, never stored in clear."""
    _check_group(school, tutor_group)
    if username:
        username = _clean_username(username)
    else:
        username = _free_username(f"{first_name}.{last_name[:1]}")
    passphrase = new_passphrase()
    user = User(username=username, first_name=first_name.strip(), last_name=last_name.strip())
    user.set_password(passphrase)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(
            {"username": f"The username “{username}” is already taken."}
        ) from None
    membership = Membership.objects.create(
        user=user,
        school=school,
        role=Role.LEARNER,
        year=year,
        tutor_group=tutor_group,
        parent_gallery_consent=parent_gallery_consent,
    )
    audit(school=school, actor=by, action="learner.add", subject=user)
    return membership, passphrase


@transaction.atomic
def learner_update(
    *,
    membership: Membership,
    first_name: str,
    last_name: str,
    year: int,
    tutor_group: TutorGroup | None,
    username: str,
    parent_gallery_consent: bool = False,
    by: User,
) -> None:
    _check_group(membership.school, tutor_group)
    user = membership.user
    username = username.strip().lower()
    if username != user.username:
        username = _clean_username(username)
    user.username, user.first_name, user.last_name = username, first_name.strip(), last_name.strip()
    user.save(update_fields=["username", "first_name", "last_name"])
    membership.year, membership.tutor_group = year, tutor_group
    membership.parent_gallery_consent = parent_gallery_consent
    membership.save(update_fields=["year", "tutor_group", "parent_gallery_consent"])
    audit(school=membership.school, actor=by, action="learner.update", subject=user)


@transaction.atomic
def learner_reset_passphrase(*, membership: Membership, by: User) -> str:
    passphrase = new_passphrase()
    membership.user.set_password(passphrase)
    membership.user.save(update_fields=["password"])
    audit(
        school=membership.school,
        actor=by,
        action="learner.reset_passphrase",
        subject=membership.user,
    )
    return passphrase


@transaction.atomic
def tutor_group_save(
    *,
    school: School,
    group: TutorGroup | None,
    name: str,
    year: int | None,
    tutor: User | None,
    by: User,
) -> TutorGroup:
    name = name.strip()
    if (
        tutor is not None
        and not Membership.objects.staff().filter(school=school, user=tutor).exists()
    ):
        raise ValidationError({"tutor": "Choose a member of your staff."})
    clash = TutorGroup.objects.filter(school=school, name__iexact=name)
    if group is not None:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        raise ValidationError({"name": f"There is already a tutor group called “{name}”."})
    if group is None:
        group = TutorGroup.objects.create(school=school, name=name, year=year, tutor=tutor)
    else:
        group.name, group.year, group.tutor = name, year, tutor
        group.save(update_fields=["name", "year", "tutor"])
    audit(school=school, actor=by, action="group.save", detail=name)
    return group


@transaction.atomic
def parent_link_add(
    *, school: School, learner: Membership, first_name: str, last_name: str, email: str, by: User
) -> ParentLink:
    """Link a parent or carer to a learner. The school confirms the link by creating it; a new
    parent account gets an invitation email."""
    if learner.school_id != school.pk or learner.role != Role.LEARNER:
        raise ValidationError({"learner": "Choose one of your school's learners."})
    parent, _created = _account_for_email(email=email, first_name=first_name, last_name=last_name)
    if parent.pk == learner.user_id:
        raise ValidationError({"email": "A learner cannot be their own parent."})
    if ParentLink.objects.filter(parent=parent, learner=learner.user).exists():
        raise ValidationError({"email": "This parent is already linked to this learner."})
    Membership.objects.get_or_create(user=parent, school=school, role=Role.PARENT)
    link = ParentLink.objects.create(
        school=school, parent=parent, learner=learner.user, confirmed_by=by
    )
    audit(
        school=school,
        actor=by,
        action="parent_link.add",
        subject=learner.user,
        detail=parent.username,
    )
    enqueue_on_commit(send_invite, user_id=parent.pk, school_id=school.pk, role="parent or carer")
    return link


@transaction.atomic
def parent_link_remove(*, link: ParentLink, by: User) -> None:
    school, parent = link.school, link.parent
    audit(
        school=school,
        actor=by,
        action="parent_link.remove",
        subject=link.learner,
        detail=parent.username,
    )
    link.delete()
    if not ParentLink.objects.filter(school=school, parent=parent).exists():
        Membership.objects.filter(school=school, user=parent, role=Role.PARENT).delete()


# The limits of each school setting: the form shows them and the service enforces them.
SETTING_LIMITS = {
    "max_file_mb": (1, 200),
    "max_submission_mb": (1, 500),
    "peer_consensus": (1, 3),
    "peer_deadline_hours": (8, 240),
    "lease_hours": (1, 72),
    "spot_check_percent": (0, 100),
}


@transaction.atomic
def school_settings_update(
    *,
    school: School,
    max_file_mb: int,
    max_submission_mb: int,
    peer_consensus: int | None = None,
    peer_deadline_hours: int | None = None,
    lease_hours: int | None = None,
    spot_check_percent: int | None = None,
    older_assess_younger: bool | None = None,
    in_network: bool | None = None,
    by: User,
) -> None:
    """Change the school's upload limits and peer-assessment rules. A peer setting left as None
    keeps its current value."""
    given = {
        "peer_consensus": peer_consensus,
        "peer_deadline_hours": peer_deadline_hours,
        "lease_hours": lease_hours,
        "spot_check_percent": spot_check_percent,
        "older_assess_younger": older_assess_younger,
        "in_network": in_network,
    }
    values = {
        name: getattr(school, name) if value is None else value for name, value in given.items()
    }
    values.update(max_file_mb=max_file_mb, max_submission_mb=max_submission_mb)
    errors = {}
    for name, (low, high) in SETTING_LIMITS.items():
        if not low <= values[name] <= high:
            errors[name] = f"Choose a number from {low} to {high}."
    if "max_submission_mb" not in errors and max_submission_mb < max_file_mb:
        errors["max_submission_mb"] = "This must be at least the largest file."
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(school, name, value)
    school.save(update_fields=list(values))
    yes_no = {True: "yes", False: "no"}
    audit(
        school=school,
        actor=by,
        action="school.settings",
        detail=(
            f"{max_file_mb}/{max_submission_mb} MB; "
            f"peers {values['peer_consensus']}, deadline {values['peer_deadline_hours']} h, "
            f"lease {values['lease_hours']} h, spot checks {values['spot_check_percent']}%, "
            f"older assess younger {yes_no[bool(values['older_assess_younger'])]}, "
            f"network {yes_no[bool(values['in_network'])]}"
        ),
    )


# --- the school calendar ----------------------------------------------------------------------

MAX_PERIOD_DAYS = 200  # longer than any term; catches a mistyped year


def _lock_school(school: School) -> None:
    """Calendar changes of one school happen one at a time, so overlap checks hold."""
    School.objects.select_for_update().filter(pk=school.pk).values_list("pk").first()


def _day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _period_text(period) -> str:
    return f"{_day_text(period.starts_on)} to {_day_text(period.ends_on)}"


@transaction.atomic
def calendar_period_save(
    *,
    school: School,
    period: CalendarPeriod | None,
    kind: str,
    name: str,
    starts_on: date,
    ends_on: date,
    by: User,
) -> CalendarPeriod:
    """Add a term or holiday to the school calendar, or change one (`period`). Terms may not
    overlap each other; holidays (half-terms, INSET days, bank holidays) may sit anywhere."""
    if period is not None and period.school_id != school.pk:
        raise ValidationError("This term or holiday belongs to another school.")
    name = name.strip()
    errors = {}
    if kind not in PeriodKind.values:
        errors["kind"] = "Choose whether this is a term or a holiday."
    if not name:
        errors["name"] = "Give it a name, for example “Autumn term” or “October half-term”."
    elif len(name) > 60:
        errors["name"] = "Use at most 60 characters."
    if ends_on < starts_on:
        errors["ends_on"] = "The last day is before the first day. Check both dates."
    elif (ends_on - starts_on).days + 1 > MAX_PERIOD_DAYS:
        errors["ends_on"] = (
            f"That is {(ends_on - starts_on).days + 1} days long, but a term or holiday can be "
            f"at most {MAX_PERIOD_DAYS} days. Check the year in both dates."
        )
    _lock_school(school)
    if not errors and kind == PeriodKind.TERM:
        clash = CalendarPeriod.objects.filter(
            school=school, kind=PeriodKind.TERM, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
        if period is not None:
            clash = clash.exclude(pk=period.pk)
        other = clash.order_by("starts_on").first()
        if other is not None:
            errors["starts_on"] = (
                f"This overlaps “{other.name}” ({_period_text(other)}). Terms can't overlap; "
                "change one of them. Half-terms and other breaks are holidays inside a term."
            )
    if errors:
        raise ValidationError(errors)
    if period is None:
        period = CalendarPeriod(school=school)
    period.kind, period.name, period.starts_on, period.ends_on = kind, name, starts_on, ends_on
    if period.pk is None:
        period.save()
    else:
        period.save(update_fields=["kind", "name", "starts_on", "ends_on"])
    audit(
        school=school,
        actor=by,
        action="calendar.save",
        detail=f"{kind} “{name}”, {_period_text(period)}",
    )
    return period


@transaction.atomic
def calendar_period_delete(*, period: CalendarPeriod, by: User) -> None:
    audit(
        school=period.school,
        actor=by,
        action="calendar.delete",
        detail=f"{period.kind} “{period.name}”, {_period_text(period)}",
    )
    period.delete()


@transaction.atomic
def calendar_fill_typical_year(
    *, school: School, autumn_year: int, by: User
) -> list[CalendarPeriod]:
    """Fill in a typical English school year (terms, half-terms, the early-May bank holiday),
    starting in September of `autumn_year`, for a school with no dates in that year yet."""
    _lock_school(school)
    first, last = school_year_span(autumn_year)
    if CalendarPeriod.objects.filter(
        school=school, starts_on__lte=last, ends_on__gte=first
    ).exists():
        raise ValidationError(
            f"Your calendar already has dates in the school year {autumn_year} to "
            f"{autumn_year + 1}. Add or change them one at a time instead."
        )
    periods = CalendarPeriod.objects.bulk_create(
        CalendarPeriod(
            school=school,
            kind=p.kind,
            name=p.name,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
        )
        for p in typical_english_year(autumn_year)
    )
    audit(
        school=school,
        actor=by,
        action="calendar.fill",
        detail=f"typical year {autumn_year} to {autumn_year + 1}",
    )
    return periods
