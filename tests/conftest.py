import os

import pytest

from tests.cast import build_cast


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast password hashing; tasks run in-process when their transaction commits (tests use
    django_capture_on_commit_callbacks(execute=True) to see them); plain static files."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASK_BACKEND = "immediate"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def as_user(db):
    """A test client signed in as someone: as_user(cast.tutor). Each call is a new browser."""
    from django.test import Client

    def sign_in(user):
        client = Client()
        client.force_login(user, backend="pbyp.accounts.backends.UsernameOrStaffEmailBackend")
        return client

    return sign_in


def pdf_library_or_skip():
    """WeasyPrint needs the system's Pango. Without it, PDF tests skip and say why, except in CI
    (PBYP_REQUIRE_PDF=1), where a missing library is a failure."""
    try:
        import weasyprint  # noqa: F401
    except OSError as error:
        reason = (
            f"WeasyPrint can't load the system's Pango ({error}): apt-get install libpango-1.0-0"
        )
        if os.environ.get("PBYP_REQUIRE_PDF"):
            pytest.fail(reason)
        pytest.skip(reason)
