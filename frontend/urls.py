from django.urls import path

from frontend import views
from frontend.pages import PAGES

urlpatterns = [
    path("", views.app_shell, name="home"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("help/", views.help_page, name="help"),
    path("help/<slug:section>/", views.help_page, name="help-section"),
    *(
        path(page.path.lstrip("/"), views.app_shell, {"page": page}, name=f"page-{page.slug}")
        for page in PAGES
    ),
]
