"""The integrity checks (SPEC §7): run by the worker on every submission, before routing.

`check_and_route(evidence)`:
1. Reads the submission's text (reflection, typed text, text the worker extracted from documents)
   and its photos. What can't be read (a password-protected PDF, a broken image) is noted; the
   check goes on with the rest.
2. Looks for matches among earlier work in scope: the school, plus every network school when
   the school is in the network. Every lookup is an indexed equality:
   - exact: the same file bytes (EvidenceFile.sha256), the same normalised text (TextDigest);
   - near-copied text: shared winnowed fingerprints (TextFingerprint) find a few candidates,
     each verified by word 3-gram containment in either direction; words of the step statement
     and fingerprints in very many submissions (common phrases) are ignored;
   - near-copied photos: pHash chunk lookups (ImageHashChunk) find candidates, verified by the
     pHash and dHash distances. Photos of pages are not compared by perceptual hash.
3. A match with another learner's work holds this work for a teacher (a flag with `holds`). A
   match with the learner's own work for a different step raises a softer flag that holds
   nothing; their own earlier versions for the same step are expected and ignored.
4. Indexes this submission, then routes it (held, or on its normal route).
Whatever happens, the work is routed: an error in a check routes it unchecked ("incomplete").
"""

import logging
import time
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from pbyp.assessment.routing import after_routing, route_checked
from pbyp.evidence.models import Evidence, EvidenceFile, FileKind, Route, Status
from pbyp.integrity import images, text
from pbyp.integrity.models import (
    HOLDING,
    CheckRun,
    CheckState,
    FingerprintFrequency,
    Flag,
    FlagKind,
    ImageHash,
    ImageHashChunk,
    TextDigest,
    TextFingerprint,
)
from pbyp.schools.models import School

logger = logging.getLogger(__name__)

COMMON = 100  # a fingerprint in more submissions than this is a common phrase: ignored
CANDIDATES = 8  # texts verified per submission, those sharing the most fingerprints
MIN_SHARED = 1  # fingerprints a candidate must share (verification decides)
NEAR_TEXT = 0.5  # containment at or above this is copying
EXACT_MIN_WORDS = 8  # shorter texts ("I did it") match by chance, so they are not flagged
BURST = 8  # submissions by one learner within an hour that raise a pattern flag
MAX_IMAGE_BYTES = 30 * 1024 * 1024


@dataclass
class Submission:
    """What the checks read of one piece of work."""

    parts: list[str] = field(default_factory=list)
    photos: list[tuple[EvidenceFile, bytes]] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)

    @property
    def tokens(self) -> list[str]:
        return text.words("\n".join(self.parts))


def scope(school: School) -> list[int]:
    """Schools whose work this school's work is compared with."""
    if not school.in_network:
        return [school.pk]
    return [
        school.pk,
        *School.objects.filter(in_network=True).exclude(pk=school.pk).values_list("pk", flat=True),
    ]


def read(evidence: Evidence) -> Submission:
    found = Submission(parts=[evidence.reflection, evidence.text])
    for item in EvidenceFile.objects.filter(evidence=evidence):
        if item.kind == FileKind.DOCUMENT:
            if item.text_status == "ok":
                found.parts.append(item.extracted_text)
            else:
                found.unread.append(f"{item.original_name}: {item.text_status or 'not read'}")
        elif item.kind == FileKind.IMAGE:
            if item.size > MAX_IMAGE_BYTES:
                found.unread.append(f"{item.original_name}: too large to compare")
                continue
            with default_storage.open(item.path, "rb") as handle:
                found.photos.append((item, handle.read()))
    return found


FIRST_PERSON = {"you": "i", "your": "my", "yours": "mine", "yourself": "myself"}


def statement_tokens(evidence: Evidence) -> list[str]:
    """The step statement's words, as written and as a learner quotes it ("I can … my …"):
    honest answers quote it, so its words never count as copying."""
    step = evidence.step
    written = text.words(f"{step.statement}\n{step.early_years}")
    quoted = ["i", "can", *(FIRST_PERSON.get(w, w) for w in written)]
    return [*written, *quoted]


def check(evidence: Evidence) -> list[Flag]:
    """Run every check on one submission, index it, and record the run. Returns new flags."""
    started = time.monotonic()
    submission = read(evidence)
    school_ids = scope(evidence.school)
    flags = _exact_files(evidence, school_ids)
    flags += _exact_text(evidence, submission, school_ids)
    statement = statement_tokens(evidence)
    tokens = submission.tokens
    prints = text.fingerprints(tokens) - text.fingerprints(statement)
    flags += _near_text(evidence, tokens, statement, prints, school_ids, flags)
    photo_hashes = []
    for item, data in submission.photos:
        hashes = images.hashes_of(data)
        if hashes is None:
            submission.unread.append(f"{item.original_name}: a page or an unreadable image")
            continue
        photo_hashes.append((item, *hashes))
        flags += _near_photo(evidence, hashes, school_ids)
    flags += _burst(evidence)
    with transaction.atomic():
        _index(evidence, submission, prints, photo_hashes)
        saved = _deduplicated(flags)
        Flag.objects.bulk_create(saved)
        CheckRun.objects.update_or_create(
            evidence=evidence,
            defaults={
                "school": evidence.school,
                "state": CheckState.INCOMPLETE if submission.unread else CheckState.DONE,
                "unread": "\n".join(submission.unread),
                "milliseconds": round((time.monotonic() - started) * 1000),
            },
        )
    return saved


def _flag(evidence, other, kind, score, **detail) -> Flag:
    own = other.learner_id == evidence.learner_id
    return Flag(
        school=evidence.school,
        kind=FlagKind.OWN_REUSE if own else kind,
        holds=not own and kind in HOLDING,
        evidence=evidence,
        other=other,
        subject_id=evidence.learner_id,
        score=round(score, 3),
        detail={"check": str(kind), **detail},
    )


def _others(evidence, school_ids):
    """Earlier work to compare with: in scope, and not the learner's own work on this step."""
    return Evidence.objects.filter(school__in=school_ids).exclude(
        learner=evidence.learner_id, step_identifier=evidence.step_identifier
    )


def _exact_files(evidence, school_ids) -> list[Flag]:
    mine = list(EvidenceFile.objects.filter(evidence=evidence).values_list("sha256", flat=True))
    if not mine:
        return []
    matches = (
        EvidenceFile.objects.filter(sha256__in=mine, school__in=school_ids)
        .exclude(evidence=evidence)
        .exclude(
            evidence__learner=evidence.learner_id,
            evidence__step_identifier=evidence.step_identifier,
        )
        .select_related("evidence")[:CANDIDATES]
    )
    return [
        _flag(evidence, m.evidence, FlagKind.EXACT_FILE, 1.0, file=m.original_name) for m in matches
    ]


def _digests(evidence, submission) -> set[str]:
    """Normalised-text digests of the parts long enough to mean something (not the statement)."""
    statement = text.normalised_digest(evidence.step.statement)
    found = set()
    for part in submission.parts:
        if len(text.words(part)) >= EXACT_MIN_WORDS:
            found.add(text.normalised_digest(part))
    return found - {statement, ""}


def _exact_text(evidence, submission, school_ids) -> list[Flag]:
    digests = _digests(evidence, submission)
    if not digests:
        return []
    matches = (
        TextDigest.objects.filter(digest__in=digests, school__in=school_ids)
        .exclude(learner_id=evidence.learner_id, step_identifier=evidence.step_identifier)
        .select_related("evidence")[:CANDIDATES]
    )
    return [_flag(evidence, m.evidence, FlagKind.EXACT_TEXT, 1.0) for m in matches]


def texts_of(evidence_ids) -> dict[int, str]:
    """The whole text of several submissions (2 queries)."""
    found = {
        pk: f"{reflection}\n{typed}"
        for pk, reflection, typed in Evidence.objects.filter(pk__in=evidence_ids).values_list(
            "pk", "reflection", "text"
        )
    }
    for pk, extracted in EvidenceFile.objects.filter(
        evidence__in=evidence_ids, text_status="ok"
    ).values_list("evidence", "extracted_text"):
        found[pk] += "\n" + extracted
    return found


def _near_text(evidence, tokens, statement, prints, school_ids, found) -> list[Flag]:
    if not prints:
        return []
    common = set(
        FingerprintFrequency.objects.filter(hash__in=prints, n__gte=COMMON).values_list(
            "hash", flat=True
        )
    )
    query = sorted(prints - common)[: text.MAX_PRINTS]
    if not query:
        return []
    candidates = list(
        TextFingerprint.objects.filter(hash__in=query, school__in=school_ids)
        .exclude(learner_id=evidence.learner_id, step_identifier=evidence.step_identifier)
        .exclude(evidence__in=[f.other_id for f in found])
        .values("evidence")
        .annotate(shared=Count("pk"))
        .filter(shared__gte=MIN_SHARED)
        .order_by("-shared")
        .values_list("evidence", flat=True)[:CANDIDATES]
    )
    if not candidates:
        return []
    ignore = set(text.ngrams(statement, text.VERIFY_N))
    flags = []
    others = Evidence.objects.in_bulk(candidates)
    for pk, other_text in texts_of(candidates).items():
        score = text.containment(tokens, text.words(other_text), ignore=ignore)
        if score >= NEAR_TEXT:
            flags.append(_flag(evidence, others[pk], FlagKind.NEAR_TEXT, score))
    return flags


def _near_photo(evidence, hashes, school_ids) -> list[Flag]:
    phash, dhash = hashes
    lookup = Q()
    for position, values in images.chunk_neighbours(phash):
        lookup |= Q(position=position, value__in=values)
    image_ids = list(
        ImageHashChunk.objects.filter(lookup, school_id__in=school_ids)
        .values_list("image", flat=True)
        .distinct()[:200]
    )
    flags = []
    for other in (
        ImageHash.objects.filter(pk__in=image_ids)
        .exclude(learner_id=evidence.learner_id, step_identifier=evidence.step_identifier)
        .select_related("evidence")
    ):
        apart = images.distance(phash, other.phash)
        if (
            apart <= images.PHASH_MATCH
            and images.distance(dhash, other.dhash) <= images.DHASH_MATCH
        ):
            flags.append(
                _flag(
                    evidence,
                    other.evidence,
                    FlagKind.NEAR_IMAGE,
                    1 - apart / 64,
                    file_id=other.file_id,
                )
            )
    return flags


def _deduplicated(flags: list[Flag]) -> list[Flag]:
    """One flag per kind and matched work: the strongest."""
    best: dict[tuple, Flag] = {}
    for flag in flags:
        key = (flag.kind, flag.other_id)
        if key not in best or flag.score > best[key].score:
            best[key] = flag
    return list(best.values())


def _index(evidence, submission, prints, photo_hashes) -> None:
    """Make this submission findable by later ones."""
    common = dict(
        FingerprintFrequency.objects.filter(hash__in=prints, n__gte=COMMON).values_list("hash", "n")
    )
    keys = {
        "school": evidence.school,
        "evidence": evidence,
        "learner_id": evidence.learner_id,
        "step_identifier": evidence.step_identifier,
    }
    TextDigest.objects.bulk_create(
        TextDigest(**keys, digest=d) for d in _digests(evidence, submission)
    )
    stored = sorted(set(prints) - set(common))[: text.MAX_PRINTS]
    TextFingerprint.objects.bulk_create(
        (TextFingerprint(**keys, hash=h) for h in stored), batch_size=1000
    )
    table = connection.ops.quote_name(FingerprintFrequency._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (hash, n) VALUES (%s, 1) "  # noqa: S608 - a quoted table name
            f"ON CONFLICT (hash) DO UPDATE SET n = {table}.n + 1",
            [(h,) for h in sorted(prints)[: text.MAX_PRINTS]],
        )
    for item, phash, dhash in photo_hashes:
        image = ImageHash.objects.create(**keys, file=item, phash=phash, dhash=dhash)
        ImageHashChunk.objects.bulk_create(
            ImageHashChunk(image=image, school_id=evidence.school_id, position=p, value=v)
            for p, v in enumerate(images.chunks(phash))
        )


def _burst(evidence) -> list[Flag]:
    """Many submissions in an hour: a pattern flag on the learner (holds nothing)."""
    from pbyp.integrity.patterns import raise_pattern

    since = evidence.submitted_at - timezone.timedelta(hours=1)
    recent = Evidence.objects.filter(
        learner=evidence.learner_id,
        submitted_at__gte=since,
        submitted_at__lte=evidence.submitted_at,
    ).count()
    if recent >= BURST:
        raise_pattern(
            school=evidence.school,
            kind=FlagKind.BURST,
            subject_id=evidence.learner_id,
            score=recent,
            detail={"submissions_in_an_hour": recent},
        )
    return []


def check_and_route(evidence: Evidence, now=None) -> None:
    """Check the work (once), then route it: held for a teacher, or on its normal route. Never
    leaves it unrouted, whatever the check does."""
    if not CheckRun.objects.filter(evidence=evidence).exists():
        try:
            check(evidence)
        except Exception:
            logger.exception(
                "Integrity check of evidence %s failed; routing it unchecked", evidence.pk
            )
            CheckRun.objects.update_or_create(
                evidence=evidence,
                defaults={
                    "school": evidence.school,
                    "state": CheckState.INCOMPLETE,
                    "unread": "The check stopped with an error: the work was routed unchecked.",
                },
            )
    now = now or timezone.now()
    held = Flag.objects.filter(evidence=evidence, holds=True, state="open").exists()
    if not held:
        route_checked(evidence, now)
        return
    if Evidence.objects.filter(pk=evidence.pk, status=Status.AWAITING, route=Route.CHECKING).update(
        route=Route.HELD, routed_at=now
    ):
        evidence.route = Route.HELD
        after_routing(evidence)
