"""The Vue app's shell, served at every page URL after the server checks who may see it."""

import re

import markdown
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import ensure_csrf_cookie

from frontend.apis import service_rules
from frontend.pages import Page


@ensure_csrf_cookie
def app_shell(request, page: Page | None = None):
    """Any signed-in person sees the home page; a page needs one of its roles.

    Sign-in itself is enforced by LoginRequiredMiddleware (anonymous -> login).
    """
    if page is not None and not page.allows(request.user):
        raise PermissionDenied(f"The page {page.title} is not open to your roles.")
    return render(request, "frontend/app.html")


@login_not_required
def privacy_notice(request):
    """How the service handles personal data: public, linked from every page footer."""
    context = {
        "retention_days": settings.ENCOUNTER_RETENTION_DAYS,
        "dead_letter_hours": settings.DEAD_LETTER_RETENTION_HOURS,
        "dpo_email": settings.DATA_PROTECTION_CONTACT,
        "case_retention_days": settings.CASE_RETENTION_DAYS,
    }
    return render(request, "frontend/privacy.html", context)


GUIDE = settings.BASE_DIR / "docs" / "user-guide"
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def guide_values() -> dict[str, int]:
    """What the guide's `{name}` placeholders stand for: the service's settings."""
    rules = {key: value for key, value in service_rules().items() if isinstance(value, int)}
    return {
        **rules,
        "trace_result_retention_days": settings.TRACE_RESULT_RETENTION_DAYS,
        "case_retention_days": settings.CASE_RETENTION_DAYS,
    }


def _with_service_values(text: str) -> str:
    """The guide states the configured numbers ({retention_days} -> 14, or what is set)."""
    values = guide_values()
    return PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), match.group(0))), text)


def help_page(request, section: str = "README"):
    """A section of the user guide (docs/user-guide), for any signed-in person."""
    path = GUIDE / f"{section}.md"
    if not section.replace("-", "").isalnum() or not path.is_file():
        raise Http404("There is no such section of the user guide.")
    text = _with_service_values(path.read_text())
    # The guide's own links and pictures, as the portal serves them.
    text = re.sub(r"\]\(([a-z0-9-]+)\.md\)", r"](/help/\1/)", text)
    text = text.replace("](img/", f"]({settings.STATIC_URL}guide/")
    html = markdown.markdown(text, extensions=["tables"])
    return render(request, "frontend/help.html", {"content": mark_safe(html)})
