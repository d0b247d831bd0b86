"""Frameworks → strands → ladders → 9 steps, versioned; and learners' levels and targets.

A Framework is an identity (its CASE identifier never changes). Its content lives in
FrameworkVersions: a draft can be edited; publishing makes it the version learners see; a
published version is never edited again. Editing a published framework copies it into a new draft
with the same identifiers, so achievements and targets made against an old version keep pointing
at the step rows (and wording) they were made against. Levels are counted per ladder *identifier*,
so they carry across versions.

`school` is on every row: null for shared frameworks (the default one, those an operator shares),
the owning school for a school's own.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

LEVELS = 9


class Framework(models.Model):
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, null=True, blank=True, related_name="frameworks"
    )
    slug = models.SlugField(max_length=80)
    identifier = models.UUIDField(default=uuid.uuid4)
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["school", "slug"], name="framework_slug_unique"),
            models.UniqueConstraint(
                fields=["school", "identifier"], name="framework_identifier_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Replaced by a newer version")


class FrameworkVersion(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, null=True, blank=True)
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["framework", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["framework"], condition=Q(status="published"), name="one_published_version"
            ),
            models.UniqueConstraint(
                fields=["framework"], condition=Q(status="draft"), name="one_draft_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Strand(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, null=True, blank=True)
    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="strands")
    identifier = models.UUIDField(default=uuid.uuid4)
    code = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#1d4ed8")
    icon = models.CharField(max_length=20, default="star")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "identifier"], name="strand_identifier_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Ladder(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, null=True, blank=True)
    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="ladders")
    strand = models.ForeignKey(Strand, on_delete=models.CASCADE, related_name="ladders")
    identifier = models.UUIDField(default=uuid.uuid4, db_index=True)
    code = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    icon = models.CharField(max_length=20, default="star")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["strand__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "identifier"], name="ladder_identifier_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Step(models.Model):
    """One rung. `statement` is for every learner; the phase wordings are optional variants."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, null=True, blank=True)
    ladder = models.ForeignKey(Ladder, on_delete=models.CASCADE, related_name="steps")
    identifier = models.UUIDField(default=uuid.uuid4, db_index=True)
    level = models.PositiveSmallIntegerField()
    statement = models.TextField()
    early_years = models.TextField(blank=True, help_text="Wording for early years and KS1")
    primary = models.TextField(blank=True, help_text="Wording for primary")
    secondary = models.TextField(blank=True, help_text="Wording for secondary")

    class Meta:
        ordering = ["ladder", "level"]
        constraints = [
            models.UniqueConstraint(fields=["ladder", "level"], name="step_level_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.ladder} {self.level}: {self.statement[:40]}"

    def wording_for(self, phase: str) -> str:
        """The statement in the words for a learner's phase (schools.Phase), else the main one."""
        variant = {"early": self.early_years, "primary": self.primary, "secondary": self.secondary}
        return variant.get(phase) or self.statement


class SchoolFramework(models.Model):
    """The frameworks a school uses. Learners see the published version of each."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "framework"], name="school_framework_unique")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} uses {self.framework_id}"


class LevelSource(models.TextChoices):
    EVIDENCE = "evidence", _("Achieved with evidence")
    BASELINE = "baseline", _("Baseline set by the school")


class Achievement(models.Model):
    """A learner's level on a ladder rising. Evidence achievements make the learner an assessor for
    that step; baselines (set by staff for a learner or a whole year group) do not."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="achievements"
    )
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="achievements")
    ladder_identifier = models.UUIDField()
    level = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=10, choices=LevelSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["school", "learner", "ladder_identifier", "level"]),
            models.Index(fields=["school", "ladder_identifier", "level", "source"]),
            # Who could assess a step across the network (pbyp.assessment.queue).
            models.Index(
                fields=["ladder_identifier", "level"],
                condition=Q(source="evidence"),
                name="achievement_assessors_idx",
            ),
        ]
        constraints = [
            # One evidence achievement per rung; one baseline per ladder (changing it replaces it).
            models.UniqueConstraint(
                fields=["learner", "ladder_identifier", "level"],
                condition=Q(source="evidence"),
                name="evidence_once_per_level",
            ),
            models.UniqueConstraint(
                fields=["learner", "ladder_identifier"],
                condition=Q(source="baseline"),
                name="one_baseline_per_ladder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} level {self.level} ({self.source})"


class Target(models.Model):
    """A next step a learner chose to work on. One open target per ladder."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="targets"
    )
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="targets")
    ladder_identifier = models.UUIDField()
    chosen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chosen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "ladder_identifier"], name="one_target_per_ladder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} → {self.step_id}"
