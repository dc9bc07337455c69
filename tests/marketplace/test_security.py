"""The security baseline: production settings pass Django's deploy checks,
start-up refuses bad configuration, personal pages are not cached, and the
admin login goes through allauth's rate-limited login."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.cache import cache

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_SECRETS = (
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "ALLOWED_HOSTS",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
)


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in REQUIRED_SECRETS and not key.startswith(("DJANGO_", "SECURE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="marketplace.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        BLIND_INDEX_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="leadmarket.example.com",
        STRIPE_SECRET_KEY="sk_test_" + secrets.token_hex(12),
        STRIPE_WEBHOOK_SECRET="whsec_" + secrets.token_hex(16),
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_settings():
    result = manage("check", "--deploy", env=production_env())

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNINGS" not in output


@pytest.mark.parametrize("name", REQUIRED_SECRETS)
def test_production_start_refuses_a_missing_secret_and_names_it(name):
    result = manage("check", env=production_env(**{name: None}))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"missing {name}" in result.stderr


def test_production_start_names_every_missing_secret_at_once():
    result = manage("check", env=production_env(STRIPE_SECRET_KEY="", BLIND_INDEX_KEY=None))

    assert result.returncode != 0
    assert "BLIND_INDEX_KEY" in result.stderr
    assert "STRIPE_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"), [("DEBUG", "maybe"), ("SECURE_SSL_REDIRECT", "yes please")]
)
def test_malformed_boolean_is_refused_not_read_as_false(name, value):
    result = manage("check", env=production_env(**{name: value}))

    assert result.returncode != 0
    assert f"{name} must be true or false" in result.stderr
    assert repr(value) in result.stderr


# --- Cache-Control ---------------------------------------------------------------


def assert_no_store(response) -> None:
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control, (response.status_code, cache_control)


@pytest.mark.django_db
def test_api_success_is_not_cacheable(supplier_a):
    response = supplier_a.api().get("/api/v1/segments/")

    assert response.status_code == 200
    assert_no_store(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"), [("/api/v1/leads/", 401), ("/api/v1/no-such-thing/", 404)]
)
def test_api_errors_are_not_cacheable(anonymous, path, status):
    response = anonymous.get(path)

    assert response.status_code == status
    assert_no_store(response)


@pytest.mark.django_db
def test_api_validation_error_is_not_cacheable(supplier_a):
    response = supplier_a.api().post("/api/v1/leads/", {"segment": "nope"}, format="json")

    assert response.status_code == 422
    assert_no_store(response)


@pytest.mark.django_db
def test_signed_in_pages_are_not_cacheable(supplier_a):
    response = supplier_a.browser().get("/dashboard/")

    assert response.status_code == 200
    assert_no_store(response)


# --- the admin login ----------------------------------------------------------------


@pytest.fixture
def fresh_rate_limits():
    # allauth keeps its counters in the cache (LocMemCache in tests).
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_admin_login_redirects_to_the_allauth_login(anonymous):
    response = anonymous.get("/admin/login/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_admin_pages_send_anonymous_people_to_the_allauth_login(anonymous):
    response = anonymous.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_sign_in_locks_an_account_after_repeated_failures(
    client, moderator, fresh_rate_limits
):
    # given: the admin's login page is allauth's
    login_url = client.get("/admin/login/")["Location"]
    wrong = {"login": moderator.user.email, "password": "not-the-password"}

    # when: someone guesses the moderator's password five times (allauth: 5 per 5 min per email)
    for _ in range(5):
        assert "Too many failed login attempts" not in client.post(login_url, wrong).text

    # then: even the right password is refused while the limit lasts
    blocked = client.post(
        login_url, {"login": moderator.user.email, "password": "correct-horse-battery"}
    )
    assert blocked.status_code == 200
    assert "Too many failed login attempts" in blocked.text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_sign_in_answers_429_to_a_flood_of_attempts(client, fresh_rate_limits):
    login_url = client.get("/admin/login/")["Location"]

    # allauth's "login" limit: 30 attempts a minute from one address, whatever the email
    statuses = [
        client.post(
            login_url, {"login": f"guess{n}@example.com", "password": "not-the-password"}
        ).status_code
        for n in range(35)
    ]

    assert statuses[:30] == [200] * 30
    assert statuses[30:] == [429] * 5


@pytest.mark.django_db
def test_moderator_signs_in_to_the_admin_through_allauth(client, moderator, fresh_rate_limits):
    response = client.post(
        "/accounts/login/?next=/admin/",
        {"login": moderator.user.email, "password": "correct-horse-battery"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/", "/admin/login/"])
def test_non_staff_users_get_403_on_the_admin(supplier_a, path):
    response = supplier_a.browser().get(path, follow=True)

    assert response.status_code == 403
