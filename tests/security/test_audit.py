"""`make audit` (tests/security/audit.py): what fails the step, what is only reported."""

import json

from tests.security.audit import npm_audit_verdict, pip_audit_verdict


def pip(*dependencies) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_a_python_vulnerability_with_a_fix_fails():
    verdict = pip_audit_verdict(
        "Python",
        1,
        pip(
            {
                "name": "django",
                "version": "5.2.0",
                "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.1"]}],
            },
            {"name": "redis", "version": "8.1.0", "vulns": [{"id": "GHSA-2", "fix_versions": []}]},
            {"name": "celery", "version": "5.7.0", "vulns": []},
        ),
        "",
    )
    assert verdict.audited
    assert verdict.failures == ["django 5.2.0: PYSEC-1 (fixed in 5.2.1)"]
    assert verdict.notes == ["redis 8.1.0: GHSA-2 (no fix yet)"]


def test_no_python_vulnerability_passes():
    verdict = pip_audit_verdict("Python", 0, pip({"name": "x", "version": "1", "vulns": []}), "")
    assert verdict.audited and not verdict.failures


def test_a_service_that_knows_no_package_means_nothing_was_audited():
    skipped = {"name": "x", "skip_reason": "Dependency not found on PyPI and could not be audited"}
    verdict = pip_audit_verdict("Python", 0, pip(skipped, skipped), "")
    assert not verdict.audited and "not reachable" in verdict.reason
    assert "NOT AUDITED" in verdict.report()


def test_pip_audit_without_an_answer_means_nothing_was_audited():
    verdict = pip_audit_verdict("Python", 1, "", "ConnectionError: osv.dev unreachable\n")
    assert not verdict.audited and "ConnectionError" in verdict.reason


def npm(**vulnerabilities) -> str:
    return json.dumps({"auditReportVersion": 2, "vulnerabilities": vulnerabilities})


def test_a_high_npm_vulnerability_with_a_fix_fails_a_moderate_one_does_not():
    verdict = npm_audit_verdict(
        "npm",
        1,
        npm(
            axios={"severity": "high", "range": "<1.2", "fixAvailable": True},
            vite={"severity": "moderate", "range": "<8", "fixAvailable": True},
            chart={"severity": "critical", "range": "*", "fixAvailable": False},
        ),
        "",
    )
    assert verdict.failures == ["axios <1.2: high"]
    assert verdict.notes == ["chart *: critical (no fix yet)", "vite <8: moderate (a fix exists)"]


def test_an_audit_endpoint_that_refuses_means_nothing_was_audited():
    refused = json.dumps({"message": "405 Method Not Allowed - POST .../advisories/bulk"})
    verdict = npm_audit_verdict("npm", 1, refused, "")
    assert not verdict.audited and "405" in verdict.reason
