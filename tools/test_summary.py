#!/usr/bin/env python3
"""Prints one closing line, 'N passed, N failed, N skipped', summed over the
individual test cases in meson's JUnit logs (meson expands gtest binaries
registered with protocol: 'gtest' into their cases). Exits 1 on any failure."""
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
