from dataclasses import dataclass, field

from pbyp.schools.models import STAFF_ROLES, Membership, Role, School

SESSION_KEY = "school_id"


@dataclass(frozen=True)
class SchoolContext:
    """Who is asking, and where: every access function takes one of these."""

    user: object | None
    school: School | None = None
    roles: frozenset[str] = frozenset()
    memberships: tuple[Membership, ...] = ()
    schools: tuple[School, ...] = field(default=())

    @classmethod
    def for_request(cls, request) -> "SchoolContext":
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return cls(user=None)
        memberships = tuple(
            Membership.objects.filter(user=user).select_related("school").order_by("school_id")
        )
        schools = tuple({m.school_id: m.school for m in memberships}.values())
        wanted = request.session.get(SESSION_KEY)
        school = next((s for s in schools if s.pk == wanted), schools[0] if schools else None)
        mine = tuple(m for m in memberships if school and m.school_id == school.pk)
        return cls(
            user=user,
            school=school,
            roles=frozenset(m.role for m in mine),
            memberships=mine,
            schools=schools,
        )

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & set(STAFF_ROLES))

    @property
    def is_manager(self) -> bool:
        return Role.MANAGER in self.roles

    @property
    def is_learner(self) -> bool:
        return Role.LEARNER in self.roles

    @property
    def is_parent(self) -> bool:
        return Role.PARENT in self.roles

    @property
    def is_operator(self) -> bool:
        return bool(self.user and self.user.is_operator)

    @property
    def learner_membership(self) -> Membership | None:
        return next((m for m in self.memberships if m.role == Role.LEARNER), None)
