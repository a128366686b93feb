"""Fail when a JUnit report shows no tests, failures, or skipped browser tests."""

import sys
import xml.etree.ElementTree as ET

path = sys.argv[1]
root = ET.parse(path).getroot()
cases = root.findall(".//testcase")
if not cases:
    sys.exit(f"{path}: no tests ran")
browser = [c for c in cases if ".browser." in c.get("classname", "") or "test_browser" in c.get("classname", "")]
if not browser:
    sys.exit(f"{path}: no browser tests ran")
skipped = [c for c in browser if c.find("skipped") is not None]
if skipped:
    names = ", ".join(c.get("name", "?") for c in skipped[:5])
    sys.exit(f"{path}: {len(skipped)} browser tests were skipped: {names}")
failed = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
if failed:
    sys.exit(f"{path}: {len(failed)} tests failed")
print(f"{path}: {len(cases)} tests, {len(browser)} browser tests, none skipped")
