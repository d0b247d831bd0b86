"""Reads about frameworks, levels and targets, each in a fixed number of queries."""

from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Max, Prefetch

from pbyp.ladders.models import (
    LEVELS,
    Achievement,
    FrameworkVersion,
    Ladder,
    SchoolFramework,
    Step,
    Strand,
    Target,
    VersionStatus,
)


def used_versions(school) -> list[FrameworkVersion]:
    """The published versions of the frameworks a school uses (1 query)."""
    used = SchoolFramework.objects.filter(school=school).values("framework")
    return list(
        FrameworkVersion.objects.filter(framework__in=used, status=VersionStatus.PUBLISHED)
        .select_related("framework")
        .order_by("framework__title")
    )


def version_tree(versions, *, steps: bool = True) -> list[Strand]:
    """Strands with their ladders (and steps), for one version or several (3 queries; 2 without
    steps)."""
    if isinstance(versions, FrameworkVersion):
        versions = [versions]
    ladders = Ladder.objects.order_by("position", "pk")
    if steps:
        ladders = ladders.prefetch_related(
            Prefetch("steps", queryset=Step.objects.order_by("level"))
        )
    return list(
        Strand.objects.filter(version__in=versions)
        .order_by("version__framework__title", "position", "pk")
        .prefetch_related(Prefetch("ladders", queryset=ladders))
    )


def levels_for(school, learner_ids, ladder_identifiers=None) -> dict[tuple[int, UUID], int]:
    """Each learner's level on each ladder: the highest step achieved, by evidence or baseline
    (1 query). Missing keys mean level 0."""
    rows = Achievement.objects.filter(school=school, learner__in=learner_ids)
    if ladder_identifiers is not None:
        rows = rows.filter(ladder_identifier__in=list(ladder_identifiers))
    rows = rows.values("learner", "ladder_identifier").annotate(level=Max("level"))
    return {(r["learner"], r["ladder_identifier"]): r["level"] for r in rows}


def next_step_for(ladder: Ladder, level: int) -> Step | None:
    """The step after `level` on a ladder whose steps are prefetched (no query)."""
    return next((s for s in ladder.steps.all() if s.level == level + 1), None)


@dataclass
class Rung:
    step: Step
    done: bool
    is_next: bool
    text: str
    gallery: list = field(default_factory=list)


@dataclass
class LadderView:
    ladder: Ladder
    strand: Strand
    level: int
    next_step: Step | None
    target: Target | None
    rungs: list[Rung] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.level >= LEVELS


@dataclass
class StrandView:
    strand: Strand
    ladders: list[LadderView]


def learner_board(membership, phase: str = "") -> list[StrandView]:
    """Everything "My ladders" shows: every ladder of the school's frameworks, the learner's level,
    next step and target on each (6 queries, whatever the number of ladders)."""
    school, user_id = membership.school, membership.user_id
    strands = version_tree(used_versions(school))
    levels = levels_for(school, [user_id])
    mine = Target.objects.filter(school=school, learner=user_id).select_related("step")
    targets = {t.ladder_identifier: t for t in mine}
    board = []
    for strand in strands:
        views = []
        for ladder in strand.ladders.all():
            level = levels.get((user_id, ladder.identifier), 0)
            nxt = next_step_for(ladder, level)
            view = LadderView(
                ladder=ladder,
                strand=strand,
                level=level,
                next_step=nxt,
                target=targets.get(ladder.identifier),
                rungs=rungs_for(ladder, level, phase),
            )
            views.append(view)
        board.append(StrandView(strand=strand, ladders=views))
    return board


def rungs_for(ladder: Ladder, level: int, phase: str = "") -> list[Rung]:
    """The ladder's steps from the learner's point of view, in their phase's words (no query)."""
    return [
        Rung(step=s, done=s.level <= level, is_next=s.level == level + 1, text=s.wording_for(phase))
        for s in ladder.steps.all()
    ]


def current_targets(membership) -> list[Target]:
    """A learner's targets with their steps, ladders and strands (1 query)."""
    return list(
        Target.objects.filter(school=membership.school, learner=membership.user_id)
        .select_related("step__ladder__strand")
        .order_by("chosen_at")
    )


@dataclass
class GridRow:
    membership: object
    levels: list[int]


def progress_grid(school, learners, ladders_by_strand) -> list[GridRow]:
    """Learners × ladders levels (1 query for the levels)."""
    ladders = [ladder for strand in ladders_by_strand for ladder in strand.ladders.all()]
    levels = levels_for(school, [m.user_id for m in learners], {lad.identifier for lad in ladders})
    return [
        GridRow(
            membership=m, levels=[levels.get((m.user_id, lad.identifier), 0) for lad in ladders]
        )
        for m in learners
    ]
