"""Every URL of the portal. Each view states who may use it (see docs/architecture.md, "Access")."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from cases.apis import CaseListCreateApi, TraceForCaseApi
from cases.reveal_apis import RevealWaitingApi, TraceRevealApi
from core import views as core_views
from frontend.apis import MeApi
from frontend.language import LanguageApi

# The admin signs in through allauth like every other page (identity provider, or demo accounts).
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Proximeter Portal administration")
admin.site.site_title = _("Proximeter Portal")
admin.site.index_title = _("Records you manage")

api_patterns = [
    path("me", MeApi.as_view(), name="me"),
    path("me/language", LanguageApi.as_view(), name="me-language"),
    path("registration/", include("desk.urls")),
    path("appointments/", include("appointments.urls")),
    # A trace belongs to a case: running one (POST) goes through the case (cases/apis.py).
    path("tracing/traces", TraceForCaseApi.as_view(), name="traces"),
    # Naming a trace's contacts waits for a second person (four eyes, cases/reveals.py).
    path("tracing/traces/<int:trace_id>/reveal", TraceRevealApi.as_view(), name="trace-reveal"),
    path("tracing/", include("tracing.urls")),
    path("cases", CaseListCreateApi.as_view(), name="cases"),
    path("cases/", include("cases.urls")),
    path("reveals", RevealWaitingApi.as_view(), name="reveals"),
    path("reveals/", include("cases.reveal_urls")),
    path("risk/", include("risk.urls")),
    path("audit/", include("audit.urls")),
    path("oversight/", include("oversight.urls")),
    path("retention/", include("retention.urls")),
    path("selfservice/", include("selfservice.urls")),
    path("zones/", include("zones.urls")),
    path("stats/", include("stats.urls")),
    path("assets/", include("assets.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/ingest/", include("ingestion.urls")),
    path("api/", include(api_patterns)),
    path("", include("frontend.urls")),
]
