from __future__ import annotations

from django.urls import path

from marketplace.web import api_keys, catalog, invitations, organizations, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("marketplace/", catalog.catalog_browse, name="catalog"),
    path(
        "organizations/new/",
        organizations.organization_create_view,
        name="organization_create",
    ),
    path(
        "organizations/switch/",
        organizations.organization_switch,
        name="organization_switch",
    ),
    path("organization/", organizations.organization_settings, name="organization_settings"),
    path(
        "organization/details/",
        organizations.organization_update_view,
        name="organization_update",
    ),
    path(
        "organization/invitations/",
        organizations.invitation_create_view,
        name="invitation_create",
    ),
    path(
        "organization/invitations/<uuid:pk>/revoke/",
        organizations.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path(
        "organization/members/<uuid:pk>/remove/",
        organizations.member_remove_view,
        name="member_remove",
    ),
    path("organization/api-keys/", api_keys.api_key_list, name="api_key_list"),
    path("organization/api-keys/new/", api_keys.api_key_create_view, name="api_key_create"),
    path(
        "organization/api-keys/<uuid:pk>/revoke/",
        api_keys.api_key_revoke_view,
        name="api_key_revoke",
    ),
    path(
        "invitations/<str:token>/",
        invitations.invitation_accept_view,
        name="invitation_accept",
    ),
]
