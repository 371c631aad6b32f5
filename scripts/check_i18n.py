"""The server's words are all marked for translation and all in French (make lint).

1. Python: a string a person reads, given as it is (not through gettext), where the portal
   shows it: a refusal (DomainError, ValidationError, PermissionDenied, NotFound, Http404, ...),
   a `detail` in an answer, a label, help text, verbose name or admin description, a choice's
   label, a permission's `message`, an admin message, an e-mail's subject.
2. Templates: text outside {% translate %} / {% blocktranslate %}, and the attributes a person
   reads (title, alt, placeholder, aria-label) with words in them.
3. Catalogues (<app>/locale/fr/LC_MESSAGES/django.po, proximeter/locale/...): msgfmt --check
   passes, no message is fuzzy or untranslated, and making the catalogue again from the
   sources adds no message (a marked string that is not in French yet).

A line with `i18n-ignore` in a comment is left out. Exit code 1 with one line per problem.
"""

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = [
    "core", "accounts", "assets", "registration", "encounters", "audit", "risk", "desk",
    "tracing", "cases", "ingestion", "zones", "appointments", "retention", "oversight", "stats",
    "selfservice", "frontend", "proximeter",
]  # fmt: skip
# Not read by a person of the portal: migrations, the test suite, commands an operator runs.
SKIP_PARTS = {"migrations", "management", "tests", "node_modules", "locale", "static"}

REFUSALS = {
    "DomainError", "ValidationError", "PermissionDenied", "NotFound", "Http404", "ParseError",
    "NotAuthenticated", "AuthenticationFailed", "Throttled", "APIException", "SuspiciousOperation",
    "BadRequest", "EmailMessage",
}  # fmt: skip
READ_KEYWORDS = {
    "verbose_name", "verbose_name_plural", "help_text", "label", "description",
    "short_description", "empty_label", "empty_value_display", "subject", "title",
}  # fmt: skip
ADMIN_MESSAGES = {"message_user", "success", "error", "warning", "info", "debug"}
MARKERS = {
    "_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
    "npgettext", "npgettext_lazy", "format_lazy",
}  # fmt: skip

problems: list[str] = []


def problem(path: Path, line: int, text: str) -> None:
    problems.append(f"{path.relative_to(ROOT)}:{line}: {text}")


def has_words(node: ast.AST) -> bool:
    """A literal (or an f-string) with words in it, given as it is."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{2,}\W+[A-Za-z]", node.value)) or bool(
            re.fullmatch(r"[A-Z][a-z]+", node.value)
        )
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return bool(re.search(r"[A-Za-z]{2,}", text))
    return False


def name_of(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


class Checker(ast.NodeVisitor):
    def __init__(self, path: Path, source: str):
        self.path = path
        self.ignored = {
            number for number, line in enumerate(source.splitlines(), 1) if "i18n-ignore" in line
        }
        self.classes: list[ast.ClassDef] = []

    def flag(self, node: ast.AST, what: str) -> None:
        if node.lineno not in self.ignored:
            text = ast.unparse(node)[:70]
            problem(self.path, node.lineno, f"unmarked {what}: {text}")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node)
        bases = {name_of(base) for base in node.bases}
        for statement in node.body:
            if not isinstance(statement, ast.Assign):
                continue
            targets = {t.id for t in statement.targets if isinstance(t, ast.Name)}
            value = statement.value
            # A choice's label: NAME = "value", "label"
            choice = bases & {"TextChoices", "IntegerChoices", "Choices"} and (
                isinstance(value, ast.Tuple) and len(value.elts) >= 2
            )
            if choice and has_words(value.elts[-1]):
                self.flag(value.elts[-1], "choice label")
            # A permission's refusal, an admin's or a serializer's visible words.
            if targets & {"message", "short_description", "empty_value_display"} and has_words(
                value
            ):
                self.flag(value, "message")
        self.generic_visit(node)
        self.classes.pop()

    def visit_Call(self, node: ast.Call) -> None:
        name = name_of(node.func)
        if name in MARKERS:
            return  # marked: what is inside is the msgid
        if name in REFUSALS and node.args and has_words(node.args[0]):
            self.flag(node.args[0], f"{name} text")
        admin = name == "message_user" or name_of(getattr(node.func, "value", None)) == "messages"
        if name in ADMIN_MESSAGES and admin and len(node.args) >= 2 and has_words(node.args[1]):
            self.flag(node.args[1], "admin message")
        for keyword in node.keywords:
            if keyword.arg in READ_KEYWORDS and has_words(keyword.value):
                self.flag(keyword.value, keyword.arg)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "detail" and has_words(value):
                self.flag(value, "detail")
        self.generic_visit(node)


def python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if SKIP_PARTS.isdisjoint(path.relative_to(ROOT).parts):
                yield path


def check_python() -> int:
    count = 0
    for path in python_files():
        source = path.read_text()
        Checker(path, source).visit(ast.parse(source, str(path)))
        count += 1
    return count


# --- Templates ---------------------------------------------------------------------------

TAG = re.compile(r"<[^>]*>", re.S)
READ_ATTRIBUTE = re.compile(
    r"""\b(title|alt|placeholder|aria-label)\s*=\s*["']([^"'{]*[A-Za-z]{2,}[^"']*)["']"""
)


def template_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("templates/**/*")):
            if path.suffix in {".html", ".txt"} and path.is_file():
                yield path


def check_templates() -> int:
    count = 0
    for path in template_files():
        count += 1
        check_template(path)
    return count


def check_template(path: Path) -> None:
    """Problems of one template: words outside {% translate %}, read attributes with words."""
    from django.template.base import Lexer, TokenType

    # The template as a reader sees its words: Django's tags and variables become a
    # neutral mark, what {% translate %} / {% blocktranslate %} hold and comments go.
    shown = []
    depth = 0  # inside {% blocktranslate %} or {% comment %}
    for token in Lexer(path.read_text()).tokenize():
        if token.token_type == TokenType.BLOCK:
            word = token.contents.split(" ", 1)[0]
            if word in {"blocktranslate", "blocktrans", "comment"}:
                depth += 1
            elif word in {"endblocktranslate", "endblocktrans", "endcomment"}:
                depth -= 1
            shown.append("\x00")
        elif token.token_type == TokenType.VAR:
            shown.append("\x00")
        elif token.token_type == TokenType.COMMENT:
            shown.append("<!-- i18n-ignore -->" if "i18n-ignore" in token.contents else "")
        elif token.token_type == TokenType.TEXT:
            text = token.contents if depth == 0 else "\n" * token.contents.count("\n")
            shown.append(text)
    text = "".join(shown)
    # Scripts, styles and code are not words to translate (a column's name stays itself).
    text = re.sub(r"<(script|style|code|kbd|samp)\b.*?</\1>", _blank, text, flags=re.S | re.I)
    for match in READ_ATTRIBUTE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        problem(path, line, f"unmarked {match.group(1)}: {match.group(2)[:60]}")
    text = re.sub(r"<!-- i18n-ignore -->.*?(\n|$)", _blank, text)
    text = re.sub(r"<!--.*?-->|<[^>]*>", _blank, text, flags=re.S)
    text = re.sub(r"&[a-z]+;|&#\d+;|\S*[/?=&@]\S*", _blank, text)
    for match in re.finditer(r"[^\x00\n]*[A-Za-z]{2,}[^\x00\n]*", text):
        if re.fullmatch(r"\s*[a-z_]+-\s*", match.group(0)):
            continue  # a class name's start: app-{{ opts.app_label }}
        line = text.count("\n", 0, match.start()) + 1
        problem(path, line, f"unmarked text: {' '.join(match.group(0).split())[:60]}")


def _blank(match: re.Match) -> str:
    """What a match covered, as blank lines: the line numbers after it stay right."""
    return "\x00" + "\n" * match.group(0).count("\n")


# --- Catalogues --------------------------------------------------------------------------

MSGID = re.compile(r'^msgid "(.*)"\n((?:".*"\n)*)', re.M)


def msgids(po: Path) -> set[str]:
    text = po.read_text()
    found = set()
    for match in MSGID.finditer(text):
        more = "".join(line[1:-1] for line in match.group(2).splitlines())
        found.add(match.group(1) + more)
    found.discard("")
    return found


def catalogue_roots() -> list[Path]:
    """Every folder that has its own catalogue (its `locale/`), the project's included."""
    return [ROOT / app for app in APPS if (ROOT / app / "locale").is_dir()]


def check_catalogues() -> int:
    count = 0
    for root in catalogue_roots():
        po = root / "locale" / "fr" / "LC_MESSAGES" / "django.po"
        if not po.is_file():
            if has_marked_strings(root):
                problem(root / "locale", 1, "marked strings but no French catalogue (fr/django.po)")
            continue
        count += 1
        check_po(po)
        check_po_is_made_from(po, root)
    return count


def check_po(po: Path) -> None:
    """msgfmt --check passes, and no message is fuzzy or untranslated."""
    checked = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
    )
    if checked.returncode != 0:
        problem(po, 1, f"msgfmt --check: {checked.stderr.strip()[:300]}")
    for kind in ("fuzzy", "untranslated"):
        found = re.search(rf"(\d+) {kind}", checked.stderr)
        if found and int(found.group(1)):
            problem(po, 1, f"{found.group(1)} {kind} message(s)")


def check_po_is_made_from(po: Path, root: Path) -> None:
    """Making the catalogue again from `root`'s sources (aside) adds and drops no message."""
    before = msgids(po)
    with tempfile.TemporaryDirectory() as aside:
        saved = Path(aside) / "django.po"
        shutil.copy2(po, saved)
        try:
            made = subprocess.run(
                [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "fr",
                 "--no-obsolete", "--add-location=file", "--ignore=node_modules",
                 "--ignore=dist", "--ignore=src", "--ignore=tests", "-v0"],
                cwd=root, capture_output=True, text=True,
            )  # fmt: skip
            after = msgids(po) if made.returncode == 0 else before
            if made.returncode != 0:
                problem(po, 1, f"makemessages failed: {made.stderr.strip()[:300]}")
        finally:
            shutil.copy2(saved, po)
    for missing in sorted(after - before)[:20]:
        problem(po, 1, f"not in the French catalogue (run makemessages): {missing[:70]!r}")
    for gone in sorted(before - after)[:20]:
        problem(po, 1, f"in the catalogue but no longer in the sources: {gone[:70]!r}")


def has_marked_strings(root: Path) -> bool:
    pattern = re.compile(r"gettext|\b_\(|{% *(translate|trans|blocktranslate|blocktrans)\b")
    for path in root.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if path.suffix not in {".py", ".html", ".txt"} or parts & {"node_modules", "tests"}:
            continue
        if pattern.search(path.read_text(errors="ignore")):
            return True
    return False


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proximeter.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    files = check_python()
    templates = check_templates()
    catalogues = check_catalogues()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(
            f"\n{len(problems)} problem(s): every word a person reads is marked for translation "
            "and translated into French (docs/i18n.md).",
            file=sys.stderr,
        )
        return 1
    print(
        f"i18n: {files} Python files, {templates} templates, {catalogues} French catalogues: "
        "everything marked and translated."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
