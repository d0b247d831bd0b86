"""Peer reviews (leases that become decisions) and teachers' spot checks of peer decisions.

A review's life (every transition lives in pbyp.assessment.services):

    leased ─(assessor decides before expires_at)─> done
       ├───(assessor gives it back)──────────────> returned
       └───(expires_at passes)───────────────────> expired

An assessor holds at most one open lease, and reviews a piece of work at most once (a lease they
gave back or let expire counts: the work goes to someone else).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pbyp.evidence.models import Outcome


class ReviewState(models.TextChoices):
    LEASED = "leased", _("Being assessed")
    DONE = "done", _("Decided")
    RETURNED = "returned", _("Given back")
    EXPIRED = "expired", _("Time ran out")


class Review(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    assessor_school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="+"
    )
    evidence = models.ForeignKey(
        "evidence.Evidence", on_delete=models.CASCADE, related_name="reviews_taken"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    state = models.CharField(max_length=10, choices=ReviewState.choices, default=ReviewState.LEASED)
    taken_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    decision = models.OneToOneField(
        "evidence.Decision", on_delete=models.SET_NULL, null=True, blank=True, related_name="review"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evidence", "assessor"], name="review_once"),
            models.UniqueConstraint(
                fields=["assessor"], condition=Q(state="leased"), name="one_open_lease"
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"], condition=Q(state="leased"), name="review_lease_expiry_idx"
            ),
            models.Index(fields=["assessor_school", "assessor", "state"]),
        ]

    def __str__(self) -> str:
        return f"Review of {self.evidence_id} by {self.assessor_id} ({self.state})"


class SpotCheck(models.Model):
    """A teacher re-judges a piece of work peers decided, without seeing what they said. The
    teacher's outcome measures the peers; a teacher who finds work meets the statement after peers
    said "not yet" also puts that right for the learner."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    evidence = models.OneToOneField(
        "evidence.Evidence", on_delete=models.CASCADE, related_name="spot_check"
    )
    peer_outcome = models.CharField(max_length=10, choices=Outcome.choices)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    went_well = models.TextField(blank=True)
    even_better_if = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["school", "decided_at", "created_at"])]

    def __str__(self) -> str:
        return f"Spot check of {self.evidence_id}"

    @property
    def agrees(self) -> bool | None:
        return None if not self.outcome else self.outcome == self.peer_outcome
