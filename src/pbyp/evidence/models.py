"""Evidence for one step, its files and links, and the decisions made on it.

Workflow (every transition lives in pbyp.evidence.services and pbyp.assessment.services):

    submitted ─(routed)─> awaiting ─(peers or a teacher: meets)──> achieved
                              └───(peers or a teacher: not yet)─> not_yet ─(resubmit)─> superseded

While it is awaiting, `route` says who it waits for (SPEC §6): first the integrity checks
(`checking`), then peers at the school, peers across the network, or a teacher, with
`route_reason` why it went to a teacher; `held` when a check held it for a teacher. Routing only
ever moves forward (checking → held → peer → network → teacher), so no work is left without
someone to check it. A teacher who finds a problem with held work returns it (`returned`): the
learner can send a new version, as after "not yet".

Submitted evidence is immutable: a resubmission is a new Evidence row (version + 1) pointing at the
one it replaces, which keeps its files and feedback.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Context(models.TextChoices):
    LESSON = "lesson", _("In a lesson")
    AFTER_SCHOOL = "after_school", _("After school")
    HOME = "home", _("At home")
    CLUB = "club", _("At a club")
    EVENT = "event", _("At an event")
    HOLIDAY = "holiday", _("In the holidays")
    OTHER = "other", _("Somewhere else")


class Status(models.TextChoices):
    AWAITING = "awaiting", _("Waiting to be checked")
    ACHIEVED = "achieved", _("Meets the statement")
    NOT_YET = "not_yet", _("Not yet")
    SUPERSEDED = "superseded", _("Sent again as a new version")
    RETURNED = "returned", _("Returned by a teacher")


class Route(models.TextChoices):
    CHECKING = "checking", _("Being checked")
    HELD = "held", _("Held for a teacher by the integrity checks")
    PEER = "peer", _("Learners at the school")
    NETWORK = "network", _("Learners at network schools")
    TEACHER = "teacher", _("A teacher")


class RouteReason(models.TextChoices):
    NONE = "", _("—")
    NO_PEER = "no_peer", _("No learner could assess it")
    DEADLINE = "deadline", _("Peers did not take it in time")
    DISAGREEMENT = "disagreement", _("Peers disagreed, with no third peer")


class Evidence(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evidence"
    )
    step = models.ForeignKey("ladders.Step", on_delete=models.PROTECT, related_name="evidence")
    ladder_identifier = models.UUIDField()
    step_identifier = models.UUIDField()
    level = models.PositiveSmallIntegerField()
    version = models.PositiveSmallIntegerField(default=1)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    reflection = models.TextField()
    context = models.CharField(max_length=20, choices=Context.choices)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.AWAITING)
    share_in_gallery = models.BooleanField(default=False)
    hidden_from_gallery = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Routing (pbyp.assessment): who it waits for, and the peer reviews it has and needs.
    route = models.CharField(max_length=10, choices=Route.choices, default=Route.TEACHER)
    route_reason = models.CharField(
        max_length=15, choices=RouteReason.choices, blank=True, default=""
    )
    routed_at = models.DateTimeField(null=True, blank=True)
    peer_deadline = models.DateTimeField(null=True, blank=True)
    phase = models.CharField(max_length=10, default="secondary")  # the submitter's, when sent
    reviews = models.PositiveSmallIntegerField(default=0)  # peer decisions + open leases
    reviews_wanted = models.PositiveSmallIntegerField(default=0)  # peer decisions it needs
    first_review_at = models.DateTimeField(null=True, blank=True)
    decided_by_peers = models.BooleanField(default=False)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            # The peer queue (pbyp.assessment.queue): one ordered index walk per step and phase.
            models.Index(
                fields=["school", "ladder_identifier", "level", "phase", "reviews", "submitted_at"],
                condition=Q(status="awaiting", route="peer"),
                name="evidence_peer_queue_idx",
            ),
            models.Index(
                fields=["ladder_identifier", "level", "phase", "reviews", "submitted_at"],
                condition=Q(status="awaiting", route="network"),
                name="evidence_network_queue_idx",
            ),
            models.Index(
                fields=["peer_deadline"],
                condition=Q(status="awaiting", route__in=["peer", "network"]),
                name="evidence_peer_deadline_idx",
            ),
            models.Index(fields=["school", "status", "submitted_at"]),
            models.Index(fields=["school", "learner", "submitted_at"]),
            models.Index(
                fields=["school", "step_identifier", "decided_at"],
                condition=Q(status="achieved", share_in_gallery=True, hidden_from_gallery=False),
                name="evidence_gallery_idx",
            ),
        ]
        constraints = [
            # One open piece of work per learner per step: resubmitting replaces it.
            models.UniqueConstraint(
                fields=["learner", "step_identifier"],
                condition=Q(status="awaiting"),
                name="one_awaiting_per_step",
            ),
        ]

    def __str__(self) -> str:
        return f"Evidence {self.pk} v{self.version} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == Status.AWAITING


class FileKind(models.TextChoices):
    IMAGE = "image", _("Photo or picture")
    DOCUMENT = "document", _("Document")
    AUDIO = "audio", _("Sound")
    VIDEO = "video", _("Video")


class EvidenceFile(models.Model):
    """A stored file. Its name in storage is random; the type was decided from its content."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=10, choices=FileKind.choices)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=8)
    original_name = models.CharField(max_length=150)
    path = models.CharField(max_length=200, unique=True)
    thumbnail_path = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    extracted_text = models.TextField(blank=True)
    text_status = models.CharField(max_length=20, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.original_name


class EvidenceLink(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="links")
    url = models.URLField(max_length=500)

    def __str__(self) -> str:
        return self.url


class Outcome(models.TextChoices):
    MEETS = "meets", _("Meets the statement")
    NOT_YET = "not_yet", _("Not yet")


class Decision(models.Model):
    """An assessor's decision with feedback. Teachers' decisions are final in this piece."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="decisions")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by_teacher = models.BooleanField(default=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    went_well = models.TextField()
    even_better_if = models.TextField()
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at"]

    def __str__(self) -> str:
        return f"{self.outcome} on {self.evidence_id}"


class Notification(models.Model):
    """An in-app message to one person. Carries a link, never a child's work."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=200)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"])]

    def __str__(self) -> str:
        return self.text
