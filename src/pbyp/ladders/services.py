"""Writes about frameworks, levels and targets. Every transition of a framework version
(draft → published → retired) lives here."""

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from pbyp.core.audit import audit
from pbyp.ladders.defaults import default_framework_data
from pbyp.ladders.models import (
    LEVELS,
    Achievement,
    Framework,
    FrameworkVersion,
    Ladder,
    LevelSource,
    SchoolFramework,
    Step,
    Strand,
    Target,
    VersionStatus,
)
from pbyp.ladders.selectors import levels_for, used_versions
from pbyp.schools.models import Membership, School

STEP_FIELDS = ("statement", "early_years", "primary", "secondary")


# --- frameworks ------------------------------------------------------------------------------


def package_problems(package: dict, *, strict_steps: bool) -> list[str]:
    """What stops a package (the dict shape of defaults.py) from being a framework. With
    `strict_steps`, every ladder must have exactly 9 steps, levels 1-9."""
    problems = []
    if not str(package.get("title", "")).strip():
        problems.append("The framework has no title.")
    if strict_steps and not any(s.get("ladders") for s in package.get("strands", [])):
        problems.append("The framework has no ladders.")
    seen: set = set()
    for strand in package.get("strands", []):
        name = strand.get("title") or strand.get("code") or "(untitled strand)"
        if not str(strand.get("title", "")).strip():
            problems.append(f"A strand has no title ({name}).")
        for ladder in strand.get("ladders", []):
            lname = ladder.get("title") or ladder.get("code") or "(untitled ladder)"
            if not str(ladder.get("title", "")).strip():
                problems.append(f"A ladder in “{name}” has no title.")
            levels = [s.get("level") for s in ladder.get("steps", [])]
            if strict_steps and sorted(levels) != list(range(1, LEVELS + 1)):
                problems.append(
                    f"Ladder “{lname}” has {len(levels)} step{'s' if len(levels) != 1 else ''}: "
                    f"a ladder needs exactly {LEVELS}, levels 1 to {LEVELS}."
                )
            elif len(set(levels)) != len(levels):
                problems.append(f"Ladder “{lname}” has two steps at the same level.")
            for step in ladder.get("steps", []):
                if not str(step.get("statement", "")).strip():
                    problems.append(f"Step {step.get('level')} of “{lname}” has no statement.")
            for item in [ladder, *ladder.get("steps", [])]:
                if item.get("identifier") in seen:
                    problems.append(f"The identifier {item['identifier']} is used twice.")
                seen.add(item.get("identifier"))
    return problems


def _write_version(version: FrameworkVersion, package: dict) -> None:
    """Create a version's strands, ladders and steps from a package, in bulk (3 inserts)."""
    school = version.school
    strands, ladders, steps = [], [], []
    for s_pos, s in enumerate(package["strands"]):
        strand = Strand(
            school=school,
            version=version,
            identifier=s.get("identifier") or uuid.uuid4(),
            code=s.get("code", "")[:20],
            title=s["title"].strip()[:200],
            description=s.get("description", ""),
            colour=s.get("colour") or "#1d4ed8",
            icon=s.get("icon") or "star",
            position=s.get("position", s_pos),
        )
        strands.append(strand)
        for l_pos, lad in enumerate(s.get("ladders", [])):
            ladder = Ladder(
                school=school,
                version=version,
                strand=strand,
                identifier=lad.get("identifier") or uuid.uuid4(),
                code=lad.get("code", "")[:20],
                title=lad["title"].strip()[:200],
                description=lad.get("description", ""),
                icon=lad.get("icon") or "star",
                position=lad.get("position", l_pos),
            )
            ladders.append(ladder)
            for st in lad.get("steps", []):
                steps.append(
                    Step(
                        school=school,
                        ladder=ladder,
                        identifier=st.get("identifier") or uuid.uuid4(),
                        level=st["level"],
                        **{f: (st.get(f) or "").strip() for f in STEP_FIELDS},
                    )
                )
    Strand.objects.bulk_create(strands)
    for ladder in ladders:
        ladder.strand_id = ladder.strand.pk
    Ladder.objects.bulk_create(ladders)
    for step in steps:
        step.ladder_id = step.ladder.pk
    Step.objects.bulk_create(steps)


def version_as_package(version: FrameworkVersion) -> dict:
    """A version's content in package shape (3 queries): for copying and exporting."""
    from pbyp.ladders.selectors import version_tree

    framework = version.framework
    return {
        "slug": framework.slug,
        "identifier": framework.identifier,
        "title": version.title,
        "description": version.description,
        "strands": [
            {
                "identifier": strand.identifier,
                "code": strand.code,
                "title": strand.title,
                "description": strand.description,
                "colour": strand.colour,
                "icon": strand.icon,
                "position": strand.position,
                "ladders": [
                    {
                        "identifier": ladder.identifier,
                        "code": ladder.code,
                        "title": ladder.title,
                        "description": ladder.description,
                        "icon": ladder.icon,
                        "position": ladder.position,
                        "steps": [
                            {
                                "identifier": step.identifier,
                                "level": step.level,
                                **{f: getattr(step, f) for f in STEP_FIELDS},
                            }
                            for step in ladder.steps.all()
                        ],
                    }
                    for ladder in strand.ladders.all()
                ],
            }
            for strand in version_tree(version)
        ],
    }


@transaction.atomic
def framework_import(
    *, school: School, package: dict, by, publish: bool, use: bool = True, strict_steps: bool = True
) -> FrameworkVersion:
    """A new framework for a school from a package. Published frameworks need 9-step ladders;
    a draft may be incomplete (the editor finishes it). Refused whole, naming each problem."""
    problems = package_problems(package, strict_steps=strict_steps or publish)
    if problems:
        raise ValidationError(problems)
    identifier = package.get("identifier") or uuid.uuid4()
    if Framework.objects.filter(school=school, identifier=identifier).exists():
        raise ValidationError(
            f"Your school already has this framework (identifier {identifier}). "
            "Edit it instead, or change the identifier in the file."
        )
    base = slugify(package.get("slug") or package["title"])[:70] or "framework"
    slug, n = base, 2
    while Framework.objects.filter(school=school, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    framework = Framework.objects.create(
        school=school, slug=slug, identifier=identifier, title=package["title"].strip()[:200]
    )
    version = FrameworkVersion.objects.create(
        school=school,
        framework=framework,
        number=1,
        title=framework.title,
        description=package.get("description", ""),
        status=VersionStatus.PUBLISHED if publish else VersionStatus.DRAFT,
        published_at=timezone.now() if publish else None,
    )
    _write_version(version, package)
    if use and publish:
        SchoolFramework.objects.get_or_create(school=school, framework=framework)
    audit(school=school, actor=by, action="framework.import", detail=framework.title)
    return version


def ensure_default_framework(school: School, *, by=None) -> Framework:
    """Give a school its copy of the default framework, in use (idempotent)."""
    data = default_framework_data()
    existing = Framework.objects.filter(school=school, identifier=data["identifier"]).first()
    if existing is not None:
        return existing
    return framework_import(school=school, package=data, by=by, publish=True).framework


@transaction.atomic
def draft_for_editing(*, framework: Framework, by) -> FrameworkVersion:
    """The framework's draft; if there is none, a copy of the published version to edit. The
    published version is never changed, so everything pointing at it keeps its wording."""
    draft = FrameworkVersion.objects.filter(framework=framework, status=VersionStatus.DRAFT).first()
    if draft is not None:
        return draft
    # Lock the framework row: two managers pressing "Edit" at once get one draft.
    Framework.objects.select_for_update().get(pk=framework.pk)
    draft = FrameworkVersion.objects.filter(framework=framework, status=VersionStatus.DRAFT).first()
    if draft is not None:
        return draft
    latest = framework.versions.order_by("-number").first()
    draft = FrameworkVersion.objects.create(
        school=framework.school,
        framework=framework,
        number=latest.number + 1,
        title=latest.title,
        description=latest.description,
    )
    _write_version(draft, version_as_package(latest))
    audit(school=framework.school, actor=by, action="framework.draft", detail=framework.title)
    return draft


def _editable(version: FrameworkVersion) -> None:
    if not version.is_draft:
        raise ValidationError("Only a draft can be changed. Start a new draft to edit.")


@transaction.atomic
def step_update(*, step: Step, by, **wording: str) -> Step:
    _editable(step.ladder.version)
    if not wording.get("statement", "").strip():
        raise ValidationError({"statement": "A step needs a statement."})
    for field in STEP_FIELDS:
        setattr(step, field, wording.get(field, "").strip())
    step.save(update_fields=list(STEP_FIELDS))
    return step


@transaction.atomic
def strand_save(*, version: FrameworkVersion, strand: Strand | None, by, **fields) -> Strand:
    _editable(version)
    if strand is None:
        position = (version.strands.aggregate(m=Max("position"))["m"] or 0) + 1
        return Strand.objects.create(
            school=version.school, version=version, position=position, **fields
        )
    for name, value in fields.items():
        setattr(strand, name, value)
    strand.save(update_fields=list(fields))
    return strand


@transaction.atomic
def ladder_save(
    *,
    version: FrameworkVersion,
    strand: Strand,
    ladder: Ladder | None,
    title: str,
    description: str,
    statements: list[str],
    by,
) -> Ladder:
    """Create a ladder with its steps, or retitle one. Empty statements are left out: a draft may
    be incomplete, publishing needs all nine."""
    _editable(version)
    if strand.version_id != version.pk:
        raise ValidationError({"strand": "Choose a strand of this framework."})
    if ladder is None:
        position = (strand.ladders.aggregate(m=Max("position"))["m"] or 0) + 1
        ladder = Ladder.objects.create(
            school=version.school,
            version=version,
            strand=strand,
            title=title,
            description=description,
            position=position,
        )
        Step.objects.bulk_create(
            Step(school=version.school, ladder=ladder, level=level, statement=text.strip())
            for level, text in enumerate(statements, start=1)
            if text.strip()
        )
    else:
        ladder.title, ladder.description, ladder.strand = title, description, strand
        ladder.save(update_fields=["title", "description", "strand"])
    return ladder


@transaction.atomic
def version_publish(*, version: FrameworkVersion, by) -> FrameworkVersion:
    """Publish a draft: it becomes what learners see; the previous version is kept, retired."""
    locked = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    if not locked.is_draft:
        raise ValidationError("This version is already published.")
    problems = package_problems(version_as_package(locked), strict_steps=True)
    if problems:
        raise ValidationError(problems)
    FrameworkVersion.objects.filter(
        framework=locked.framework_id, status=VersionStatus.PUBLISHED
    ).update(status=VersionStatus.RETIRED)
    locked.status, locked.published_at = VersionStatus.PUBLISHED, timezone.now()
    locked.save(update_fields=["status", "published_at"])
    _move_targets_to(locked)
    audit(school=locked.school, actor=by, action="framework.publish", detail=f"{locked}")
    return locked


def _move_targets_to(version: FrameworkVersion) -> None:
    """Open targets follow their rung into the new version (same ladder identifier and level)."""
    new_steps = {
        (s.ladder.identifier, s.level): s
        for s in Step.objects.filter(ladder__version=version).select_related("ladder")
    }
    targets = Target.objects.filter(
        school=version.school, ladder_identifier__in={k[0] for k in new_steps}
    ).select_related("step")
    moved = []
    for target in targets:
        step = new_steps.get((target.ladder_identifier, target.step.level))
        if step is not None and step.pk != target.step_id:
            target.step = step
            moved.append(target)
    Target.objects.bulk_update(moved, ["step"], batch_size=500)


@transaction.atomic
def school_frameworks_set(*, school: School, frameworks: list[Framework], by) -> None:
    """Which frameworks a school uses (only published ones can be used)."""
    wanted = {f.pk for f in frameworks}
    SchoolFramework.objects.filter(school=school).exclude(framework__in=wanted).delete()
    for framework in frameworks:
        SchoolFramework.objects.get_or_create(school=school, framework=framework)
    audit(
        school=school, actor=by, action="framework.use", detail=",".join(f.slug for f in frameworks)
    )


# --- targets and levels ---------------------------------------------------------------------


def _step_in_use(school: School, step: Step) -> None:
    if step.ladder.version_id not in {v.pk for v in used_versions(school)}:
        raise ValidationError("That ladder isn't one your school uses.")


@transaction.atomic
def target_choose(*, learner: Membership, step: Step) -> Target:
    """A learner picks a next step as a target: only their next step, on a ladder their school
    uses."""
    school = learner.school
    _step_in_use(school, step)
    ladder = step.ladder
    level = levels_for(school, [learner.user_id], [ladder.identifier]).get(
        (learner.user_id, ladder.identifier), 0
    )
    if step.level != level + 1:
        raise ValidationError(
            f"You can choose step {level + 1} on this ladder: that is your next step."
            if level < LEVELS
            else "You have climbed this whole ladder!"
        )
    try:
        with transaction.atomic():
            return Target.objects.create(
                school=school, learner=learner.user, step=step, ladder_identifier=ladder.identifier
            )
    except IntegrityError:
        existing = Target.objects.filter(
            learner=learner.user, ladder_identifier=ladder.identifier
        ).first()
        if existing is not None and existing.step_id == step.pk:
            return existing  # a double click: it's already their target
        raise ValidationError("You already have a target on this ladder.") from None


@transaction.atomic
def target_drop(*, target: Target) -> None:
    target.delete()


@transaction.atomic
def baseline_set(
    *, school: School, learners: list[Membership], ladders: list[Ladder], level: int, by
) -> int:
    """Record a starting level for learners on ladders. A baseline is not evidence: it doesn't make
    anyone an assessor. Level 0 removes the baseline. Returns how many learners were set."""
    if not 0 <= level <= LEVELS:
        raise ValidationError({"level": f"Choose a level from 0 to {LEVELS}."})
    if any(m.school_id != school.pk for m in learners):
        raise ValidationError("Choose learners from your school.")
    user_ids = [m.user_id for m in learners]
    identifiers = [ladder.identifier for ladder in ladders]
    Achievement.objects.filter(
        school=school,
        learner__in=user_ids,
        ladder_identifier__in=identifiers,
        source=LevelSource.BASELINE,
    ).delete()
    if level:
        steps = {s.ladder_id: s for s in Step.objects.filter(ladder__in=ladders, level=level)}
        Achievement.objects.bulk_create(
            Achievement(
                school=school,
                learner_id=user_id,
                step=steps[ladder.pk],
                ladder_identifier=ladder.identifier,
                level=level,
                source=LevelSource.BASELINE,
                recorded_by=by,
            )
            for user_id in user_ids
            for ladder in ladders
            if ladder.pk in steps
        )
    # Targets below or at the new level are done with: the learner's next step moved up.
    for target in Target.objects.filter(
        school=school,
        learner__in=user_ids,
        ladder_identifier__in=identifiers,
        step__level__lte=level,
    ):
        target.delete()
    audit(
        school=school,
        actor=by,
        action="baseline.set",
        detail=f"level {level} × {len(user_ids)} learners",
    )
    return len(user_ids)
