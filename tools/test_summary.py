#!/usr/bin/env python3
"""Prints one closing line, 'N passed, N failed, N skipped', summed over the
individual test cases in JUnit XML logs: meson's (meson expands gtest
binaries registered with protocol: 'gtest' into their cases) and pytest's
(--junitxml; a skipped test carries <skipped>, and an error in a fixture's
teardown adds a second <testcase> of the same name carrying <error>, so
cases are keyed by classname and name and the worst outcome counts).
Exits 1 on any failure, or when nothing passed."""
import sys
import xml.etree.ElementTree as ET

RANK = {"passed": 0, "skipped": 1, "failed": 2}
passed = failed = skipped = 0
for path in sys.argv[1:]:
    outcomes = {}
    for n, case in enumerate(ET.parse(path).getroot().iter("testcase")):
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif case.find("skipped") is not None:
            outcome = "skipped"
        else:
            outcome = "passed"
        key = (case.get("classname"), case.get("name")) if case.get("name") else n
        if key not in outcomes or RANK[outcome] > RANK[outcomes[key]]:
            outcomes[key] = outcome
    for outcome in outcomes.values():
        passed += outcome == "passed"
        failed += outcome == "failed"
        skipped += outcome == "skipped"
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
