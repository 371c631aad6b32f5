"""The Vue app's shell, served at every page URL after the server checks who may see it."""

import re
from pathlib import Path

import markdown
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from frontend.apis import service_rules
from frontend.pages import Group, Page, pages_for


@ensure_csrf_cookie
def app_shell(request, page: Page | None = None):
    """Any signed-in person sees the home page; a page needs one of its roles.

    Sign-in itself is enforced by LoginRequiredMiddleware (anonymous -> login).
    """
    if page is not None and not page.allows(request.user):
        raise PermissionDenied(
            _("The page %(title)s is not open to your roles.") % {"title": page.title}
        )
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


def guide_folder() -> Path:
    """The user guide in the reader's language: docs/user-guide/fr/ in French (the English
    guide, docs/user-guide/, otherwise and for a section not yet written in French)."""
    language = (translation.get_language() or "").split("-")[0]
    folder = GUIDE / language
    return folder if language != settings.LANGUAGE_CODE and folder.is_dir() else GUIDE


def guide_file(section: str) -> Path:
    """A section's file in the reader's language, else the English one."""
    own = guide_folder() / f"{section}.md"
    return own if own.is_file() else GUIDE / f"{section}.md"
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


FILE_NAME_LINK = re.compile(r"\[([a-z0-9-]+)\.md\]\(\1\.md\)")


def section_title(section: str) -> str:
    """A section's first heading ("desk" -> "Desk day"), as a person knows it."""
    for line in guide_file(section).read_text().splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return section


def _with_titles(text: str) -> str:
    """A link that reads as a file name ([desk.md](desk.md)) reads as that section's title."""

    def titled(match: re.Match) -> str:
        section = match.group(1)
        if not guide_file(section).is_file():
            return match.group(0)
        return f"[{section_title(section)}]({section}.md)"

    return FILE_NAME_LINK.sub(titled, text)


def help_navigation(user) -> list[dict]:
    """The user's pages, group by group, for the guide's header (as the app's header shows)."""
    groups: dict[str, list] = {}
    for page in pages_for(user):
        groups.setdefault(page.group, []).append(page)
    return [
        {"name": name, "label": Group.label(name), "pages": pages} for name, pages in groups.items()
    ]


def _pictures(path: Path) -> str:
    """Where a guide file's own pictures (`img/...`) are served under STATIC_URL."""
    return "guide/" if path.parent == GUIDE else f"guide-{path.parent.name}/"


def help_page(request, section: str = "README"):
    """A section of the user guide (docs/user-guide), for any signed-in person.

    Shown in the portal's own header (the person's pages, by group), so the guide is part of
    the portal and not a bare page one has to find the way back from.
    """
    if not section.replace("-", "").isalnum() or not (GUIDE / f"{section}.md").is_file():
        raise Http404(_("There is no such section of the user guide."))
    path = guide_file(section)
    text = _with_titles(_with_service_values(path.read_text()))
    # The guide's own links and pictures, as the portal serves them (the French guide's
    # pictures: its own in fr/img/, or the English ones one folder up).
    text = re.sub(r"\]\(([a-z0-9-]+)\.md\)", r"](/help/\1/)", text)
    text = text.replace("](../img/", f"]({settings.STATIC_URL}guide/")
    text = text.replace("](img/", f"]({settings.STATIC_URL}{_pictures(path)}")
    html = markdown.markdown(text, extensions=["tables"])
    context = {
        "content": mark_safe(html),
        "title": section_title(section),
        "nav_groups": help_navigation(request.user),
    }
    return render(request, "frontend/help.html", context)
