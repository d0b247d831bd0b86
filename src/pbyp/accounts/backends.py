from django.contrib.auth.backends import ModelBackend
from django.db.models.functions import Lower

from pbyp.accounts.models import User


class UsernameOrStaffEmailBackend(ModelBackend):
    """Everyone signs in with a username; staff and operators may use their email address too.

    Learners never sign in by email: many share family addresses, and their username is what the
    school printed on their login card.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = self._find(username.strip())
        if user is None:
            User().set_password(password)  # same work either way: no timing hint
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    @staticmethod
    def _find(login: str) -> User | None:
        user = User.objects.filter(username__iexact=login).first()
        if user is not None or "@" not in login:
            return user
        from pbyp.schools.models import Membership

        candidate = (
            User.objects.annotate(email_ci=Lower("email")).filter(email_ci=login.lower()).first()
        )
        if candidate is None:
            return None
        if candidate.is_operator or Membership.objects.staff().filter(user=candidate).exists():
            return candidate
        return None
