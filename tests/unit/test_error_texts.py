"""Every error code the API sends has Indonesian text in the page that receives it (SPEC §4: the API speaks
English, its users read Bahasa Indonesia).

The codes come from the source: every ``code="…"`` given to one of ``chalicelib.core.errors``' exceptions, and the
class-level codes of those exceptions. The admin page (staff) must explain every code; the portal (the public) every
code except the staff-only ones below, each raised only on a staff route.
"""

from __future__ import annotations

import ast
import pathlib
import re

from chalicelib.core import errors

ROOT = pathlib.Path(__file__).resolve().parents[2]

#: raised only by routes of staff roles (operators, supervisors, producers, admins); the portal never receives them
STAFF_ONLY = frozenset({
    "already_answered",  # escalation answers (producers)
    "already_decided", "not_returnable",  # approvals and microdata decisions (supervisors)
    "already_merged", "different_consumer", "paid", "primary_closed",  # merging duplicates (operators)
    "already_resolved", "illegal_action", "provider_unavailable", "workflow_running",  # payment work items
    "already_reviewed", "not_a_consultation", "not_resolved",  # FAQ curation
    "deliverables_not_ready", "no_deliverables", "not_in_progress", "too_many_deliverables",  # deliverables
    "not_file_backed", "too_many_files", "not_planned", "duplicate",  # catalog upkeep, release calendar, units
    "last_admin", "self_grant", "self_lockout", "unknown_unit",  # staff directory and units
    "operator_absent", "operator_at_quota", "separation_of_duties",  # assignment
    "invalid_signature",  # the billing provider's webhook: a machine, not a page
})


def _error_classes() -> dict[str, type]:
    return {name: cls for name, cls in vars(errors).items()
            if isinstance(cls, type) and issubclass(cls, errors.AppError)}


def api_codes() -> dict[str, set[str]]:
    """code -> where it is raised, for every code an API response can carry."""
    classes = _error_classes()
    out: dict[str, set[str]] = {cls.code: {f"chalicelib/core/errors.py:{name}"} for name, cls in classes.items()}
    for path in sorted((ROOT / "chalicelib").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in classes:
                continue
            for kw in node.keywords:
                if kw.arg == "code":
                    value = kw.value
                    if isinstance(value, ast.Name):  # a constant of chalicelib.core.errors (STALE)
                        value = ast.Constant(getattr(errors, value.id, None))
                    assert isinstance(value, ast.Constant) and isinstance(value.value, str), (
                        f"{path.relative_to(ROOT)}:{node.lineno}: an error code must be a literal (or a constant of "
                        "chalicelib.core.errors), so that the pages can be checked for its text")
                    out.setdefault(value.value, set()).add(f"{path.relative_to(ROOT)}:{node.lineno}")
    return out


def api_detail_keys() -> dict[str, set[str]]:
    """key -> where, for every key of a ``details={...}`` dict given to one of the API's exceptions."""
    classes = _error_classes()
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / "chalicelib").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            for kw in node.keywords if name in classes else ():
                if kw.arg == "details" and isinstance(kw.value, ast.Dict):
                    for key in kw.value.keys:
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            out.setdefault(key.value, set()).add(f"{path.relative_to(ROOT)}:{node.lineno}")
    return out


def js_table_keys(path: str, table: str) -> set[str]:
    src = (ROOT / path).read_text(encoding="utf-8")
    start = src.index(f"const {table} = {{")
    block = src[start:src.index("\n};", start)]
    return set(re.findall(r"\b([a-z_0-9]+): \"", block))


def js_code_text(path: str) -> dict[str, str]:
    """The ``CODE_TEXT`` table of a page's api.js: code -> text."""
    src = (ROOT / path).read_text(encoding="utf-8")
    start = src.index("const CODE_TEXT = {")
    block = src[start:src.index("\n};", start)]
    out: dict[str, str] = {}
    for m in re.finditer(r'^\s{2}([a-z_0-9]+): ((?:"[^"]*"\s*(?:\+\s*)?)+),', block, re.M):
        out[m.group(1)] = "".join(re.findall(r'"([^"]*)"', m.group(2)))
    return out


def test_the_scan_finds_the_codes_it_should():
    codes = api_codes()
    # a class-level code, a literal on one line and one given on a continuation line of a long raise
    assert {"not_found", "last_admin", "too_many_open_requests", "requests_in_progress"} <= set(codes)
    assert "chalicelib/core/errors.py:NotFound" in codes["not_found"]
    # BillingError's codes are the provider's, never an API response's
    assert "malformed_code" not in codes and "redirect" not in codes


def test_the_table_parser_reads_both_pages():
    admin, portal = js_code_text("admin/js/api.js"), js_code_text("portal/js/api.js")
    assert admin["network"].startswith("Server API tidak dapat dihubungi")
    # a text split over two lines is read whole
    assert portal["too_many_open_requests"].endswith("selesai, lalu ajukan lagi.")


def test_admin_page_explains_every_api_error_code():
    missing = {c: sorted(w) for c, w in api_codes().items() if c not in js_code_text("admin/js/api.js")}
    assert not missing, f"admin/js/api.js CODE_TEXT lacks Indonesian text for {missing}"


def test_admin_page_names_every_detail_the_api_gives():
    keys = api_detail_keys()
    assert {"status", "quota", "max_open_requests"} <= set(keys)  # the scan reads the dicts
    src = (ROOT / "admin/js/api.js").read_text(encoding="utf-8")
    hidden = set(re.findall(r'"([a-z_]+)"', re.search(r"const HIDDEN_DETAILS = new Set\(\[([^\]]*)\]", src).group(1)))
    assert hidden == {"retry_after_s", "reasons"}, hidden  # technical ones only, each said elsewhere
    labels = js_table_keys("admin/js/api.js", "DETAIL_LABEL") | hidden
    missing = {k: sorted(w) for k, w in keys.items() if k not in labels}
    assert not missing, f"admin/js/api.js DETAIL_LABEL lacks an Indonesian label for {missing}"


def test_portal_explains_every_error_code_the_public_can_meet():
    codes = api_codes()
    assert set(codes) >= STAFF_ONLY, f"no longer raised, drop from STAFF_ONLY: {sorted(STAFF_ONLY - set(codes))}"
    portal = js_code_text("portal/js/api.js")
    missing = {c: sorted(w) for c, w in codes.items() if c not in STAFF_ONLY and c not in portal}
    assert not missing, f"portal/js/api.js CODE_TEXT lacks Indonesian text for {missing}"


def test_texts_are_indonesian_sentences():
    english = re.compile(r"\b(the|is|not|please|error|failed|cannot|invalid)\b", re.I)
    for path in ("admin/js/api.js", "portal/js/api.js"):
        for code, text in js_code_text(path).items():
            assert text.strip() and text[0].isupper() and text.rstrip().endswith((".", ")")), (path, code, text)
            assert not english.search(text), (path, code, text)


def test_pages_never_show_an_api_error_message_raw():
    """The API's ``message`` is English: a page shows it only through errorSummary/errorText/errorBox."""
    raw = re.compile(r"\$\{\s*(?:err|e|error)\.message\s*\}|alertBox\([^)]*\berr\.message|toast\([^)]*\berr\.message")
    offenders = []
    for page in ("admin", "portal"):
        for path in sorted((ROOT / page / "js").rglob("*.js")):
            if path.name == "api.js":
                continue
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if raw.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
