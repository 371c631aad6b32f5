"""`make audit`: known vulnerabilities in the dependencies that are deployed.

- Python: pip-audit against requirements.lock (the pinned runtime dependencies),
  asking PyPI's JSON API (`--vulnerability-service pypi`).
- JavaScript: `npm audit --omit=dev` for frontend/ (what the browser gets).
  tests/oidc/ is test tooling on loopback and never deployed: audited for
  information only.

Fails (exit 1) on a known vulnerability that has a fix: for Python any, for
npm one of severity high or critical. A vulnerability without a fix is listed
and does not fail. When a vulnerability service cannot be reached (a machine
with no internet but the package registries: PyPI's JSON API answers 404 and
npm's audit endpoint 405 there) the step says loudly that it audited NOTHING
and does not fail, unless AUDIT_STRICT=1 (for CI with internet access).

    python tests/security/audit.py
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NPM_FAILING_SEVERITIES = {"high", "critical"}


@dataclass
class Verdict:
    what: str
    audited: bool = True
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str = ""

    def report(self) -> str:
        if not self.audited:
            return f"WARNING {self.what}: NOT AUDITED - {self.reason}"
        found = len(self.failures)
        summary = f"{found} known vulnerabilities with a fix" if found else "nothing to fix"
        lines = [f"{self.what}: {summary}"]
        lines += [f"  FIX: {line}" for line in self.failures]
        lines += [f"  note: {line}" for line in self.notes]
        return "\n".join(lines)


def pip_audit_verdict(what: str, returncode: int, stdout: str, stderr: str) -> Verdict:
    verdict = Verdict(what)
    try:
        report = json.loads(stdout)
    except ValueError:
        verdict.audited = False
        last = (stderr.strip().splitlines() or [f"exit code {returncode}"])[-1]
        verdict.reason = f"pip-audit could not ask its vulnerability service ({last})"
        return verdict
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    if dependencies and len(skipped) == len(dependencies):
        verdict.audited = False
        verdict.reason = (
            f"the vulnerability service knew none of the {len(dependencies)} packages "
            f"(e.g. {skipped[0]['skip_reason']!r}): it is not reachable from this machine"
        )
        return verdict
    for dependency in dependencies:
        for vuln in dependency.get("vulns", []):
            line = f"{dependency['name']} {dependency['version']}: {vuln['id']}"
            if vuln.get("fix_versions"):
                verdict.failures.append(f"{line} (fixed in {', '.join(vuln['fix_versions'])})")
            else:
                verdict.notes.append(f"{line} (no fix yet)")
    verdict.notes += [f"not audited: {d['skip_reason']}" for d in skipped]
    return verdict


def npm_audit_verdict(what: str, returncode: int, stdout: str, stderr: str) -> Verdict:
    verdict = Verdict(what)
    try:
        report = json.loads(stdout)
    except ValueError:
        report = None
    if not isinstance(report, dict) or "vulnerabilities" not in report:
        verdict.audited = False
        detail = (report or {}).get("message") if isinstance(report, dict) else None
        verdict.reason = (
            "the registry's audit endpoint did not answer ("
            + (detail or (stderr.strip().splitlines() or [f"exit code {returncode}"])[-1])
            + ")"
        )
        return verdict
    for name, vuln in sorted(report["vulnerabilities"].items()):
        line = f"{name} {vuln.get('range', '')}: {vuln.get('severity')}"
        if vuln.get("severity") in NPM_FAILING_SEVERITIES and vuln.get("fixAvailable"):
            verdict.failures.append(line)
        else:
            fix = "a fix exists" if vuln.get("fixAvailable") else "no fix yet"
            verdict.notes.append(f"{line} ({fix})")
    return verdict


def run(command: list[str]) -> tuple[int, str, str]:
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as error:
        return 1, "", str(error)
    return done.returncode, done.stdout, done.stderr


def main() -> int:
    pip_audit = [str(BIN / "pip-audit"), "--vulnerability-service", "pypi", "--format", "json"]
    pip_audit += ["--progress-spinner", "off", "--no-deps", "--disable-pip"]
    npm_audit = ["npm", "audit", "--omit=dev", "--json", "--prefix"]
    checks = [
        (
            pip_audit_verdict(
                "Python (requirements.lock)", *run([*pip_audit, "-r", "requirements.lock"])
            ),
            True,
        ),
        (npm_audit_verdict("npm (frontend/)", *run([*npm_audit, "frontend"])), True),
        # Test tooling only (the loopback identity provider): listed, never failing.
        (
            npm_audit_verdict("npm (tests/oidc/, test tooling)", *run([*npm_audit, "tests/oidc"])),
            False,
        ),
    ]
    strict = os.environ.get("AUDIT_STRICT") == "1"
    failed = False
    for verdict, counts in checks:
        print(verdict.report())
        if counts and (verdict.failures or (strict and not verdict.audited)):
            failed = True
    if any(not verdict.audited for verdict, _ in checks):
        print(
            "audit: some dependencies were NOT checked for known vulnerabilities (see above); "
            "run `make audit` where the vulnerability services are reachable, "
            "or set AUDIT_STRICT=1 to make this an error."
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
