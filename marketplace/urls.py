from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from marketplace.web.errors import server_error

# The admin signs in through allauth: its rate limits and MFA apply to moderators too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Leadmarket moderation"
admin.site.site_title = "Leadmarket"

urlpatterns = [
    path("api/v1/", include("marketplace.api.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("billing/", include("billing.urls")),
    path("suppliers/", include("suppliers.urls")),
    path("quality/", include("quality.urls")),
    path("buyers/", include("buyers.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("marketplace.web.urls")),
]

handler500 = server_error
