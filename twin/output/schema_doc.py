"""The parts of docs/schema.md that follow from the declarations in twin/output/schema.py and
twin/output/cf.py: the table of twin's unit names and the ``units`` attribute stored for each, the
table of state variables (the root variables on ``(time, sat)``), the list of flows with extrema
and the /jobs columns. The prose around them is written by hand; each generated part sits between
``<!-- generated: NAME -->`` and ``<!-- end generated: NAME -->``. The generated tables give
twin's unit names; the file stores their UDUNITS spellings (the units table).

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

from twin.output import cf, schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"
WIDTH = 98


def _row(cells) -> str:
    return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"


def _dtype_name(dtype) -> str:
    """The type as the file stores it: text (declared as bytes) is a variable-length string."""
    dt = np.dtype(dtype)
    return "string" if dt.kind == "S" else dt.name


def _code_list(names) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _declared_units() -> set:
    """Every unit name the declarations use (state variables, table columns) and every one
    cf.py spells otherwise when stored (which covers the /summary units)."""
    names = {v.units for v in schema.STATE_VARIABLES} | {c.units for c in schema.JOB_COLUMNS}
    names |= set(schema.EVENT_UNITS.values()) | set(schema.LINK_UNITS.values())
    return names | set(getattr(cf, "_UDUNITS", {}))


def units_table() -> str:
    """twin's unit names whose stored ``units`` attribute differs from the name."""
    lines = [_row(("twin's unit", "stored attributes")), "|---|---|"]
    for name in sorted(_declared_units(), key=lambda n: (n == "", n.lower())):
        stored = cf.udunits(name)
        if stored == name:
            continue
        text = "no `units`" if stored is None else f'`units` = "{stored}"'
        if name in cf.CURRENCY:
            text += f', `currency` = "{cf.CURRENCY[name]}"'
        if name == "enum":
            text += ": `flag_values` and `flag_meanings` name the codes"
        elif name == "text":
            text += " (a string)"
        elif name == "":
            text += " (text columns: no `units`)"
        lines.append(_row((f"`{name}`" if name else "(none)", text)))
    return "\n".join(lines)


def state_table() -> str:
    lines = [_row(("variable", "units", "dtype", "kind", "long_name / meaning")), "|---|---|---|---|---|"]
    lines += [_row((f"`{v.name}`", v.units, _dtype_name(v.dtype), v.kind, v.meaning)) for v in schema.STATE_VARIABLES]
    return "\n".join(lines)


def extrema_text() -> str:
    flows = [v.name for v in schema.STATE_VARIABLES if v.extrema]
    text = (f"Optional, with `output.aggregate: [mean, min, max]` (or `[mean, min]`, `[mean, max]`): for each "
            f"flow among {_code_list(flows)}, the variables `<flow>_min` and `<flow>_max` on (`time`, `sat`): "
            f"the smallest and largest step mean within the record interval, with the flow's units and dtype, "
            f"`kind` `flow`, `cell_methods` `time: minimum` or `time: maximum`, and as `long_name` the "
            f"flow's after \"minimum over the record interval of: \" or \"maximum ...\".")
    return textwrap.fill(text, WIDTH, break_long_words=False, break_on_hyphens=False)


def jobs_table() -> str:
    lines = [_row(("column", "type", "units", "meaning")), "|---|---|---|---|"]
    lines += [_row((f"`{c.name}`", _dtype_name(c.dtype), c.units, c.description)) for c in schema.JOB_COLUMNS]
    return "\n".join(lines)


PARTS = {"units": units_table, "state": state_table, "extrema": extrema_text, "jobs": jobs_table}


def render(text: str) -> str:
    """``text`` (docs/schema.md) with every generated part made anew; ValueError if a part's
    markers are missing."""
    for name, make in PARTS.items():
        pattern = re.compile(rf"(<!-- generated: {name} -->\n).*?(\n<!-- end generated: {name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"docs/schema.md: the markers of the generated part {name!r} are missing")
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + m.group(2), text, count=1)
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
