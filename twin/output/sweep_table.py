"""The sweep summary table: one row per member, its parameters, status, error and ``/summary``.

Written as ``summary.csv`` (or ``summary.parquet``) for spreadsheets and pandas, and as
``summary.h5`` (``schema = "twin.sweep"``) for ``twin report`` and for Python: one dataset per
column under ``/members`` (in the order of the root attribute ``columns``), numbers as float64 or
int64, text as UTF-8, each with a ``units`` attribute; the root attributes hold the sweep file,
its name, the parameter columns and the base config. docs/sweeps.md describes the columns.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from twin.output.schema import unit_of

SCHEMA = "twin.sweep"
SCHEMA_VERSION = 1
FIXED_COLUMNS = ("member_id", "status", "error", "run_file", "reused", "task_wall_s")
FIXED_UNITS = {"task_wall_s": "s"}


def _cell(value):
    """A parameter value as a table cell: numbers and text as they are, anything else as JSON."""
    if value is None or isinstance(value, (bool, int, float, str, np.integer, np.floating)):
        return value
    return json.dumps(value, sort_keys=True)


def build_frame(rows: list[dict], parameters: list[str]):
    """A DataFrame of the member rows: fixed columns, parameters, then /summary keys."""
    import pandas as pd

    summary_keys = []
    for row in rows:
        for key in row.get("summary") or {}:
            if key not in summary_keys:
                summary_keys.append(key)
    records = []
    for row in rows:
        record = {c: row.get(c) for c in FIXED_COLUMNS}
        record["error"] = record["error"] or ""
        record.update({p: _cell(row["overrides"].get(p)) for p in parameters})
        summary = row.get("summary") or {}
        record.update({k: summary.get(k, np.nan) for k in summary_keys})
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=[*FIXED_COLUMNS, *parameters, *summary_keys])
    frame["reused"] = frame["reused"].fillna(False).astype(bool)
    return frame


def _column_array(series) -> np.ndarray:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=bool)
    if pd.api.types.is_integer_dtype(series):
        return series.to_numpy(dtype=np.int64)
    if pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=np.float64)
    values = pd.to_numeric(series, errors="coerce")
    if values.notna().sum() == series.notna().sum() and series.notna().any() and \
            not series.map(lambda v: isinstance(v, str)).any():
        return values.to_numpy(dtype=np.float64)
    return np.array(["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                     for v in series], dtype=object)


def write_tables(folder: Path, frame, attrs: dict, table_format: str = "csv") -> list[Path]:
    """Write the table as CSV or Parquet and as HDF5 into ``folder``; returns the paths."""
    import h5py

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if table_format == "parquet":
        path = folder / "summary.parquet"
        frame.to_parquet(path, index=False)
    else:
        path = folder / "summary.csv"
        frame.to_csv(path, index=False)
    written.append(path)
    h5_path = folder / "summary.h5"
    tmp = h5_path.with_name(h5_path.name + ".tmp")
    parameters = list(attrs.get("parameters", []))
    with h5py.File(tmp, "w") as f:
        f.attrs["schema"] = SCHEMA
        f.attrs["schema_version"] = SCHEMA_VERSION
        f.attrs["created_utc"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        f.attrs["columns"] = np.array(list(frame.columns), dtype=h5py.string_dtype())
        for key, value in attrs.items():
            if isinstance(value, (list, tuple)):
                value = np.array([str(v) for v in value], dtype=h5py.string_dtype())
            f.attrs[key] = value
        g = f.create_group("members")
        for column in frame.columns:
            data = _column_array(frame[column])
            kind = data.dtype.kind
            d = g.create_dataset(column, data=data, dtype=h5py.string_dtype() if kind == "O" else None)
            if column in FIXED_COLUMNS:
                d.attrs["units"] = FIXED_UNITS.get(column, "1")
            elif column in parameters:
                d.attrs["units"] = "as in the config (see docs/config.md)"
            else:  # a text column of /summary (limiting_factor) has no unit
                d.attrs["units"] = "text" if kind == "O" else unit_of(column)
    tmp.replace(h5_path)
    written.append(h5_path)
    return written


def is_sweep_file(path) -> bool:
    """Whether ``path`` is a sweep summary file (False for anything unreadable)."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            schema = f.attrs.get("schema")
    except (OSError, ValueError, KeyError):
        return False
    return (schema.decode() if isinstance(schema, bytes) else schema) == SCHEMA


def read_summary_table(path):
    """``summary.h5`` as ``(DataFrame, attrs)``; text columns decoded."""
    import h5py
    import pandas as pd

    with h5py.File(path, "r") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        columns = [c.decode() if isinstance(c, bytes) else str(c) for c in f.attrs["columns"]]
        data = {}
        for c in columns:
            d = f["members"][c]
            data[c] = d.asstr()[...] if h5py.check_string_dtype(d.dtype) else d[...]
    for key, value in list(attrs.items()):
        if isinstance(value, np.ndarray) and value.dtype.kind in "OS":
            attrs[key] = [v.decode() if isinstance(v, bytes) else str(v) for v in value]
    return pd.DataFrame(data, columns=columns), attrs
