"""Results for CI systems: JUnit XML, one testcase per criterion.

failed -> <failure>, error -> <error>, skipped -> <skipped>; what was
observed goes into the message and the evidence into <system-out>. The file
is written whole or not at all (ohcheck.atomic).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ohcheck.criteria import Result, Status, Summary
from ohcheck.i18n import t


def to_xml(challenge: str, title: str, results: Sequence[Result], summary: Summary, *, timestamp: str) -> str:
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": f"{challenge}: {title}",
            "tests": str(len(results)),
            "failures": str(summary.failed),
            "errors": str(summary.error),
            "skipped": str(summary.skipped),
            "time": f"{summary.duration:.3f}",
            "timestamp": timestamp,
        },
    )
    for r in results:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": f"ohcheck.{challenge}", "name": f"{r.criterion} {r.title}", "time": f"{r.duration:.3f}"},
        )
        text = r.message + (f"\n{t('hint:')} {r.hint}" if r.hint else "")
        if r.status is Status.FAILED:
            ET.SubElement(case, "failure", {"message": r.message, "type": "failed"}).text = text
        elif r.status is Status.ERROR:
            ET.SubElement(case, "error", {"message": r.message, "type": "undecided"}).text = text
        elif r.status is Status.SKIPPED:
            ET.SubElement(case, "skipped", {"message": r.message})
        if r.evidence:
            ET.SubElement(case, "system-out").text = json.dumps(r.evidence, indent=2, sort_keys=True)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
