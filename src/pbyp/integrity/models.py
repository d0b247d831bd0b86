"""What the integrity checks index, and the flags they raise (SPEC §7).

Indexes (one row per posting, looked up by an indexed equality, never scanned):
- TextDigest: SHA-256 of each part of a submission's normalised text (files' SHA-256 is on
  EvidenceFile, indexed).
- TextFingerprint: winnowed word 5-gram fingerprints of a submission's text (reflection, typed
  text, text from documents); FingerprintFrequency counts submissions per fingerprint, so common
  phrases are ignored and stop being indexed.
- ImageHash + ImageHashChunk: pHash and dHash of photos, the pHash in four indexed 16-bit chunks
  for Hamming-distance search (multi-index hashing, see pbyp.integrity.images).

A Flag either holds a piece of work for a teacher (`holds`), or points a teacher at a pattern
(about a learner or an assessor) without holding anyone's work.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TextDigest(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    evidence = models.ForeignKey(
        "evidence.Evidence", on_delete=models.CASCADE, related_name="text_digests"
    )
    learner_id = models.BigIntegerField()
    step_identifier = models.UUIDField()
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["digest"])]

    def __str__(self) -> str:
        return f"text digest of {self.evidence_id}"


class TextFingerprint(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    evidence = models.ForeignKey(
        "evidence.Evidence", on_delete=models.CASCADE, related_name="fingerprints"
    )
    learner_id = models.BigIntegerField()
    step_identifier = models.UUIDField()
    hash = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["hash"])]

    def __str__(self) -> str:
        return f"fingerprint {self.hash} of {self.evidence_id}"


class FingerprintFrequency(models.Model):
    hash = models.BigIntegerField(primary_key=True)
    n = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"fingerprint {self.hash}: {self.n}"


class ImageHash(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    evidence = models.ForeignKey(
        "evidence.Evidence", on_delete=models.CASCADE, related_name="image_hashes"
    )
    file = models.ForeignKey("evidence.EvidenceFile", on_delete=models.CASCADE, related_name="+")
    learner_id = models.BigIntegerField()
    step_identifier = models.UUIDField()
    phash = models.BigIntegerField()
    dhash = models.BigIntegerField()

    def __str__(self) -> str:
        return f"photo hashes of {self.file_id}"


class ImageHashChunk(models.Model):
    image = models.ForeignKey(ImageHash, on_delete=models.CASCADE, related_name="chunks")
    school_id = models.BigIntegerField()
    position = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["position", "value"])]

    def __str__(self) -> str:
        return f"chunk {self.position} of {self.image_id}"


class CheckState(models.TextChoices):
    DONE = "done", _("Checked")
    INCOMPLETE = "incomplete", _("Checked in part")


class CheckRun(models.Model):
    """One submission's check: when, and what could not be read (the check never blocks)."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    evidence = models.OneToOneField(
        "evidence.Evidence", on_delete=models.CASCADE, related_name="check_run"
    )
    state = models.CharField(max_length=12, choices=CheckState.choices)
    unread = models.TextField(blank=True)
    checked_at = models.DateTimeField(auto_now_add=True)
    milliseconds = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"check of {self.evidence_id}: {self.state}"


class FlagKind(models.TextChoices):
    EXACT_FILE = "exact_file", _("Same file as other work")
    EXACT_TEXT = "exact_text", _("Same text as other work")
    NEAR_TEXT = "near_text", _("Text copied from other work")
    NEAR_IMAGE = "near_image", _("Photo copied from other work")
    OWN_REUSE = "own_reuse", _("Own work used again for another step")
    RECIPROCAL = "reciprocal", _("Two learners approving each other")
    QUICK_APPROVER = "quick_approver", _("Approves nearly everything, very fast")
    BURST = "burst", _("Many pieces of work in a short time")


HOLDING = (FlagKind.EXACT_FILE, FlagKind.EXACT_TEXT, FlagKind.NEAR_TEXT, FlagKind.NEAR_IMAGE)


class FlagState(models.TextChoices):
    OPEN = "open", _("Waiting for a teacher")
    CLEARED = "cleared", _("Nothing wrong")
    PROBLEM = "problem", _("Problem")


class Flag(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=FlagKind.choices)
    holds = models.BooleanField(default=False)
    evidence = models.ForeignKey(
        "evidence.Evidence", on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    # The matched work; it may belong to another school (then only the passage is ever shown).
    other = models.ForeignKey(
        "evidence.Evidence", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(default=0)
    detail = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=FlagState.choices, default=FlagState.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "state", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject"],
                condition=Q(state="open", evidence__isnull=True),
                name="one_open_pattern_flag",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} flag on {self.evidence_id or self.subject_id}"
