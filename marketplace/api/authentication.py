"""Bearer API keys (one organization, or one moderator) and browser sessions."""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from marketplace.models import ApiKey, Organization
from marketplace.services.api_keys import api_key_authenticate


@dataclass(frozen=True)
class OrganizationPrincipal:
    """Who a request acts as when an organization's API key authenticates it."""

    organization: Organization
    api_key: ApiKey

    is_authenticated = True
    is_active = True
    is_staff = False
    is_moderator = False
    is_anonymous = False

    @property
    def pk(self) -> str:
        return f"key:{self.api_key.pk}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the key as: Authorization: Bearer <api key>."
            )
        try:
            raw_key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The API key is not valid.") from None
        api_key = api_key_authenticate(raw_key=raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is not valid or has been revoked.")
        if api_key.moderator_id is not None:
            return api_key.moderator, api_key
        return OrganizationPrincipal(organization=api_key.organization, api_key=api_key), api_key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """A logged-in browser; acts for the organization chosen in the session."""


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organization's or a moderator's API key: Bearer lmk_...",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = SessionAuthentication
    name = "session"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
