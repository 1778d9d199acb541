from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from publicity import views as publicity_views
from rectification.urls import api_urlpatterns as rectification_api

from . import health, home

admin.site.site_header = settings.ADMIN_SITE_HEADER
admin.site.site_title = settings.ADMIN_SITE_HEADER
admin.site.index_title = settings.ADMIN_SITE_HEADER

urlpatterns = [
    path("", home.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("results/", include("scoring.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script under the CSP.
    # Swagger UI sets inline styles from its scripts; this page alone allows them (never inline script).
    path("api/docs/", csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
         name="api-docs"),
    path("notices/", include("publicity.urls")),
    path("units/<str:code>/", publicity_views.unit_history, name="unit-history"),
    path("rectification/", include("rectification.urls")),
    path("api/v1/", include((rectification_api, "rectification-api"))),
    path("jobs/", include("jobs.urls")),
    path("staff/", include("staff.urls")),
    path("", include("surveys.urls")),
]
# JSON under /api/, a short page elsewhere; 503 with Retry-After when the database is unreachable.
handler400 = "minping.errors.bad_request"
handler403 = "minping.errors.permission_denied"
handler404 = "minping.errors.page_not_found"
handler500 = "minping.errors.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
