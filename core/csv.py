"""CSV exports that a spreadsheet cannot turn into formulas."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe (OWASP).

    Numbers stay numbers; only text is neutralised.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value
