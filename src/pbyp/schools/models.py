from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class School(models.Model):
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Evidence upload limits (school settings with safe defaults).
    max_file_mb = models.PositiveIntegerField(
        default=20, help_text="Largest single file a learner can upload, in MB."
    )
    max_submission_mb = models.PositiveIntegerField(
        default=50, help_text="Largest total of one piece of evidence, in MB."
    )
    # Peer assessment (SPEC §6).
    peer_consensus = models.PositiveSmallIntegerField(
        default=2, help_text="Peer decisions each piece of work needs (1 to 3)."
    )
    peer_deadline_hours = models.PositiveSmallIntegerField(
        default=48, help_text="School-day hours peers have before work goes to a teacher."
    )
    lease_hours = models.PositiveSmallIntegerField(
        default=24, help_text="How long an assessor may keep a piece of work they took."
    )
    spot_check_percent = models.PositiveSmallIntegerField(
        default=10, help_text="Share of peer decisions a teacher checks again."
    )
    older_assess_younger = models.BooleanField(
        default=False, help_text="Secondary learners may also assess primary learners' work."
    )
    in_network = models.BooleanField(
        default=False, help_text="Offer work to learners at other network schools, without names."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Year(models.IntegerChoices):
    """England's year groups. We store the year group, never a date of birth."""

    NURSERY = -1, _("Nursery")
    RECEPTION = 0, _("Reception")
    Y1 = 1, _("Year 1")
    Y2 = 2, _("Year 2")
    Y3 = 3, _("Year 3")
    Y4 = 4, _("Year 4")
    Y5 = 5, _("Year 5")
    Y6 = 6, _("Year 6")
    Y7 = 7, _("Year 7")
    Y8 = 8, _("Year 8")
    Y9 = 9, _("Year 9")
    Y10 = 10, _("Year 10")
    Y11 = 11, _("Year 11")
    Y12 = 12, _("Year 12")
    Y13 = 13, _("Year 13")


YEAR_NAMES = dict(Year.choices)
GALLERY_OWN_CONSENT_YEAR = 9


class Phase(models.TextChoices):
    EARLY = "early", _("Early years and KS1")
    PRIMARY = "primary", _("Primary")
    SECONDARY = "secondary", _("Secondary")
    ADULT = "adult", _("Adult")


def assessing_phase(year: int | None) -> str:
    """The phase that decides who assesses whom: early years count as primary."""
    phase = phase_of(year)
    return Phase.PRIMARY if phase == Phase.EARLY else phase


def years_of_phase(phase: str) -> Q:
    """Membership rows whose assessing phase is `phase`."""
    if phase == Phase.PRIMARY:
        return Q(year__lte=6)
    if phase == Phase.SECONDARY:
        return Q(year__gte=7)
    return Q(year__isnull=True)


def phase_of(year: int | None) -> str:
    if year is None:
        return Phase.ADULT
    if year <= 2:
        return Phase.EARLY
    if year <= 6:
        return Phase.PRIMARY
    return Phase.SECONDARY


class TutorGroup(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="tutor_groups")
    name = models.CharField(max_length=40)
    year = models.IntegerField(choices=Year.choices, null=True, blank=True)
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tutor_groups",
    )

    class Meta:
        ordering = ["year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="tutor_group_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    TEACHER = "teacher", _("Teacher")
    MANAGER = "manager", _("School manager")
    PARENT = "parent", _("Parent or carer")


STAFF_ROLES = (Role.TEACHER, Role.MANAGER)


class MembershipQuerySet(models.QuerySet):
    def staff(self):
        return self.filter(role__in=STAFF_ROLES)

    def learners(self):
        return self.filter(role=Role.LEARNER)


class Membership(models.Model):
    """A person's role at a school. One row per (user, school, role); a learner has one school."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    # Learners only: their year group and tutor group.
    year = models.IntegerField(choices=Year.choices, null=True, blank=True)
    tutor_group = models.ForeignKey(
        TutorGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="learners"
    )
    # Learners below Year 9 appear in galleries only if the school has recorded a parent's consent.
    parent_gallery_consent = models.BooleanField(default=False)
    # A teacher can pause a learner's peer assessing (SPEC §6, spot checks).
    assessor_suspended = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "school", "role"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(role="learner"), name="learner_one_school"
            ),
            models.CheckConstraint(
                condition=Q(role="learner") | Q(year__isnull=True, tutor_group__isnull=True),
                name="only_learners_have_year",
            ),
        ]
        indexes = [models.Index(fields=["school", "role", "year"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.school})"

    @property
    def phase(self) -> str:
        return phase_of(self.year)

    @property
    def gallery_allowed(self) -> bool:
        """May this learner's shared work appear in a gallery? From Year 9 on, their own consent
        (asked at each submission) is enough; younger learners also need a parent's."""
        return (
            self.year is None
            or self.year >= GALLERY_OWN_CONSENT_YEAR
            or self.parent_gallery_consent
        )

    @property
    def year_name(self) -> str:
        """Like get_year_display(), without translating every label of the list each time."""
        return str(YEAR_NAMES.get(self.year, "")) if self.year is not None else ""


class ParentLink(models.Model):
    """A parent or carer linked to a learner. Only the school creates links (it confirms who is
    who), so a link that exists is a confirmed one; who confirmed it and when are recorded."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="children_links"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="parent_links"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parent", "learner"], name="parent_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.parent} → {self.learner}"


class PeriodKind(models.TextChoices):
    TERM = "term", _("Term")
    HOLIDAY = "holiday", _("Holiday")


class CalendarPeriod(models.Model):
    """A term or a holiday (half-terms, inset days, bank holidays) in the school calendar.
    School days are weekdays inside a term and outside every holiday; with no terms entered, every
    weekday outside a holiday counts. See pbyp.schools.calendar."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="calendar")
    kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    name = models.CharField(max_length=60)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on} to {self.ends_on})"
