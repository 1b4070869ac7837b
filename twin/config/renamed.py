"""Config keys that were renamed: a config, a ``--set`` or a run file's stored config that still
gives the old name is read as if it gave the new one.

``workload.median_work_accel_h`` was a job's median run time at full speed in hours, not its work
in accelerator-hours (the work is that run time times the job's accelerators): the name said the
wrong unit, so it is ``median_runtime_h`` now.
"""
from __future__ import annotations

RENAMED = {"workload": {"median_work_accel_h": "median_runtime_h"}}   # section -> {old key: new key}


def rename_keys(data: dict) -> list[str]:
    """Give each old key of RENAMED in the raw config ``data`` its new name, in place. Returns one
    problem (``section.old: ...``) for each block that gives both names, which is left as it is."""
    problems = []
    for section, names in RENAMED.items():
        block = data.get(section)
        if not isinstance(block, dict):
            continue
        for old, new in names.items():
            if old not in block:
                continue
            if new in block:
                problems.append(f"{section}.{old}: renamed {new}, which is given too; keep only {new}")
                continue
            block[new] = block.pop(old)
    return problems


def renamed_path(dotted: str) -> str:
    """A dotted key path (``--set``, a sweep's ``grid``) with a renamed key's new name, so that an
    override by the old name replaces the value a config gives by the new one."""
    keys = dotted.split(".")
    if len(keys) == 2 and keys[1] in RENAMED.get(keys[0], {}):
        keys[1] = RENAMED[keys[0]][keys[1]]
    return ".".join(keys)
