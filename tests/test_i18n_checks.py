"""make lint's checks of the words (scripts/check_i18n.py, frontend/scripts/check-i18n.mjs) find
what they are for: each is given a small tree with the faults it must report, and one without."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import check_i18n  # noqa: E402


@pytest.fixture(autouse=True)
def no_problems_yet():
    check_i18n.problems.clear()
    yield
    check_i18n.problems.clear()


def python_problems(tmp_path, source: str) -> list[str]:
    path = tmp_path / "module.py"
    path.write_text(source)
    check_i18n.ROOT = tmp_path
    try:
        check_i18n.Checker(path, source).visit(ast.parse(source))
    finally:
        check_i18n.ROOT = ROOT
    return list(check_i18n.problems)


def test_python_words_given_as_they_are_are_found(tmp_path):
    found = python_problems(
        tmp_path,
        """
from django.db import models
raise DomainError("The device is lost.")
raise ValidationError(f"Row {n} is not a day.")
field = models.CharField(help_text="The person's number here.")
answer = Response({"detail": "Nothing to do here."})
self.message_user(request, "Two devices were retired.")
class State(models.TextChoices):
    LOST = "lost", "lost for good"
class Rule(BasePermission):
    message = "Only the medical service may do this."
""",
    )
    assert len(found) == 7, found
    assert any("DomainError" in line for line in found)
    assert any("choice label" in line for line in found)


def test_python_words_marked_or_not_for_a_reader_pass(tmp_path):
    found = python_problems(
        tmp_path,
        """
from django.utils.translation import gettext as _, gettext_lazy
raise DomainError(_("The device is lost."), code="device_lost")
raise ValidationError(_("Row %(n)s is not a day.") % {"n": n})
field = models.CharField(help_text=gettext_lazy("The person's number here."))
logger.info("Purged the expired rows of the day")
raise DomainError("A developer's message, never shown.")  # i18n-ignore
""",
    )
    assert found == []


def test_template_words_outside_translate_are_found(tmp_path):
    template = tmp_path / "page.html"
    template.write_text(
        "{% load i18n %}\n"
        "<h1>{% translate 'Sign in' %}</h1>\n"
        '<p class="help">Choose your account</p>\n'
        '<img src="x.png" alt="The portal\'s logo">\n'
        "<p>{% blocktranslate %}Hello {{ name }}, welcome{% endblocktranslate %}</p>\n"
        "<p><code>device_id</code> {{ value }}</p>\n"
    )
    check_i18n.ROOT = tmp_path
    try:
        check_i18n.check_template(template)
    finally:
        check_i18n.ROOT = ROOT
    found = check_i18n.problems
    assert [line.split(":")[1] for line in found] == ["4", "3"], found


def test_a_fuzzy_or_untranslated_french_message_is_found(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Take back"\nmsgstr "Reprendre"\n\n'
        '#, fuzzy\nmsgid "Swap"\nmsgstr "Échanger"\n\n'
        'msgid "Lost"\nmsgstr ""\n'
    )
    check_i18n.ROOT = tmp_path
    try:
        check_i18n.check_po(po)
    finally:
        check_i18n.ROOT = ROOT
    assert any("1 fuzzy" in line for line in check_i18n.problems)
    assert any("1 untranslated" in line for line in check_i18n.problems)


def frontend_check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["node", str(ROOT / "frontend" / "scripts" / "check-i18n.mjs")],
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "I18N_CHECK_ROOT": str(root)},
        capture_output=True,
        text=True,
    )


def frontend_tree(tmp_path, en: dict, fr: dict, component: str) -> Path:
    for language, messages in (("en", en), ("fr", fr)):
        folder = tmp_path / "src" / "locales" / language
        folder.mkdir(parents=True)
        (folder / "desk.json").write_text(json.dumps(messages, ensure_ascii=False))
    (tmp_path / "src" / "Page.vue").write_text(component)
    return tmp_path


def test_the_frontend_check_finds_each_fault(tmp_path):
    root = frontend_tree(
        tmp_path,
        en={"take": "Take back", "hello": "Hello {name}", "long": "Scan the device now"},
        fr={"hello": "Bonjour {nom}", "long": "Scan the device now"},
        component="""<script setup>
const message = 'The device could not be found.'
</script>
<template>
  <h1>{{ t('desk.take') }}</h1>
  <p>Choose a person first</p>
  <input placeholder="Device ID" />
  <p>{{ t('desk.missing') }}</p>
</template>
""",
    )
    answer = frontend_check(root)
    assert answer.returncode == 1
    for fault in (
        '"take" has no French',
        "placeholders {nom} differ",
        '"long" is the English text',
        "unmarked words",
        "unmarked text",
        "unmarked placeholder",
        '"desk.missing" is in no catalogue',
    ):
        assert fault in answer.stderr, (fault, answer.stderr)


def test_the_frontend_check_passes_a_tree_in_both_languages(tmp_path):
    root = frontend_tree(
        tmp_path,
        en={"take": "Take back", "hello": "Hello {name}"},
        fr={"take": "Reprendre", "hello": "Bonjour {name}"},
        component="""<script setup>
const label = t('desk.take')
</script>
<template>
  <h1>{{ t('desk.hello', { name: 'Ada' }) }}</h1>
  <code>device_id</code>
</template>
""",
    )
    answer = frontend_check(root)
    assert answer.returncode == 0, answer.stderr
