"""The parts of docs/schema.md that follow from the declaration in twin/output/schema.py: the
/state table, the list of flows with extrema and the /jobs table. The prose around them is
written by hand; each generated part sits between ``<!-- generated: NAME -->`` and
``<!-- end generated: NAME -->``.

``python -m twin.output.schema_doc`` rewrites those parts of docs/schema.md (or of the file
given); ``--check`` only says whether they are up to date (exit status 1 if not). A test keeps
the page in step.
"""
from __future__ import annotations

import argparse
import re
import sys
import textwrap
from pathlib import Path

import numpy as np

from twin.output import schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"
WIDTH = 98


def _row(cells) -> str:
    return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"


def _dtype_name(dtype) -> str:
    dt = np.dtype(dtype)
    return f"S{dt.itemsize}" if dt.kind == "S" else dt.name


def _code_list(names) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def state_table() -> str:
    lines = [_row(("variable", "units", "dtype", "kind", "long_name / meaning")), "|---|---|---|---|---|"]
    lines += [_row((f"`{v.name}`", v.units, _dtype_name(v.dtype), v.kind, v.meaning)) for v in schema.STATE_VARIABLES]
    return "\n".join(lines)


def extrema_text() -> str:
    flows = [v.name for v in schema.STATE_VARIABLES if v.extrema]
    text = (f"Optional, with `output.aggregate: [mean, min, max]` (or `[mean, min]`, `[mean, max]`): for each "
            f"flow among {_code_list(flows)}, the datasets `<flow>_min` and `<flow>_max`: the smallest and "
            f"largest step mean within the record interval, same units and dtype as the flow (kind `flow`).")
    return textwrap.fill(text, WIDTH, break_long_words=False, break_on_hyphens=False)


def jobs_table() -> str:
    lines = [_row(("column", "type", "units", "meaning")), "|---|---|---|---|"]
    lines += [_row((f"`{c.name}`", _dtype_name(c.dtype), c.units, c.description)) for c in schema.JOB_COLUMNS]
    return "\n".join(lines)


PARTS = {"state": state_table, "extrema": extrema_text, "jobs": jobs_table}


def render(text: str) -> str:
    """``text`` (docs/schema.md) with every generated part made anew; ValueError if a part's
    markers are missing."""
    for name, make in PARTS.items():
        pattern = re.compile(rf"(<!-- generated: {name} -->\n).*?(\n<!-- end generated: {name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"docs/schema.md: the markers of the generated part {name!r} are missing")
        text = pattern.sub(lambda m: m.group(1) + make() + m.group(2), text, count=1)
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m twin.output.schema_doc", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default=str(DOC), help="the page (default: docs/schema.md)")
    parser.add_argument("--check", action="store_true", help="only check; exit status 1 if it is stale")
    args = parser.parse_args(argv)
    path = Path(args.path)
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if args.check:
        print(f"{path}: {'up to date' if new == text else 'stale: python -m twin.output.schema_doc'}")
        return 0 if new == text else 1
    if new != text:
        path.write_text(new, encoding="utf-8")
    print(f"{path}: {'rewritten' if new != text else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
