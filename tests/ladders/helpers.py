from pbyp.ladders.models import Ladder, Step, VersionStatus


def published_ladders(school):
    return Ladder.objects.filter(school=school, version__status=VersionStatus.PUBLISHED).order_by(
        "strand__position", "position"
    )


def step_of(school, code: str, level: int) -> Step:
    return Step.objects.get(
        school=school,
        ladder__code=code,
        level=level,
        ladder__version__status=VersionStatus.PUBLISHED,
    )
