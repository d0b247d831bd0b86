from pbyp.core.models import AuditEvent


def audit(*, school, actor, action: str, subject=None, detail: str = "") -> None:
    AuditEvent.objects.create(
        school=school, actor=actor, subject=subject, action=action, detail=detail[:200]
    )
