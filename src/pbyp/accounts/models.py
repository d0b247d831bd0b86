from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A person who signs in. Roles at schools are Memberships (pbyp.schools), not fields here.

    We keep names and an optional email only: no date of birth (year group lives on the
    learner's membership), no address, no phone.
    """

    is_operator = models.BooleanField(
        default=False, help_text="Runs the platform: creates schools and their first managers."
    )

    class Meta:
        constraints = [
            # Staff may sign in with their email address, so it must point at one account.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def short_name(self) -> str:
        """First name + initial: how other learners see a child inside the school."""
        if not self.first_name:
            return self.username
        initial = f" {self.last_name[:1]}." if self.last_name else ""
        return f"{self.first_name}{initial}"
