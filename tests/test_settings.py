"""Settings come from the environment; bad values stop start-up with a message naming the
variable; production fails closed."""

import os
import subprocess
import sys

import pytest

GOOD_PRODUCTION = {
    "PBYP_ENV": "production",
    "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-value-0123456789",
    "ALLOWED_HOSTS": "pbyp.example.org",
    "DATABASE_URL": "sqlite:////tmp/pbyp-settings-test.sqlite3",
}


def run_pbyp(args, env_changes, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "PBYP_ENV", "SECRET_KEY", "DATABASE_URL"}
    }
    env.update({"PBYP_VAR_DIR": str(tmp_path), **env_changes})
    return subprocess.run(
        [sys.executable, "-m", "pbyp.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("DATABASE_URL", "mysql://x@y/z", "DATABASE_URL must point at SQLite"),
        ("DATABASE_URL", "nonsense", "DATABASE_URL"),
        ("SESSION_HOURS", "eight", "SESSION_HOURS must be a whole number"),
        ("LOGIN_FAILURE_LIMIT", "0", "LOGIN_FAILURE_LIMIT must be at least 1"),
        ("TASK_BACKEND", "celery", "TASK_BACKEND must be one of database, immediate"),
        ("PBYP_ENV", "staging", "PBYP_ENV must be one of local, production"),
    ],
)
def test_malformed_settings_stop_start_up_naming_the_variable(tmp_path, variable, value, message):
    result = run_pbyp(["check"], {variable: value}, tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [("SECRET_KEY", "SECRET_KEY must be set"), ("ALLOWED_HOSTS", "ALLOWED_HOSTS must list")],
)
def test_production_fails_closed(tmp_path, missing, message):
    env = {k: v for k, v in GOOD_PRODUCTION.items() if k != missing}
    result = run_pbyp(["check"], env, tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_debug(tmp_path):
    result = run_pbyp(["check"], {**GOOD_PRODUCTION, "DEBUG": "true"}, tmp_path)
    assert "DEBUG must be off" in result.stderr


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    result = run_pbyp(["check", "--deploy", "--fail-level", "WARNING"], GOOD_PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_local_defaults_need_no_configuration(tmp_path):
    result = run_pbyp(["check"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists()  # kept so local sessions survive restarts
