"""The column mapping of a job trace (``workload.mapping`` in a config): the file's format (CSV or
JSON Lines), which columns hold the submit time, the duration, the accelerators, a fractional
share, a priority, the user's runtime estimate and the job's own id, how its times are written
(seconds or dates), how several attempts of one job are resolved, and the filters that select
rows. Reading the file is :mod:`twin.ops.trace`'s job."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from twin.config.limits import TraceOffset, TraceScale, TraceTimeUnit

FilterValues = list[str | int | float]
# time_format values that are not strftime patterns
TIME_FORMATS = ("seconds", "iso8601")


class TraceMapping(BaseModel):
    """How the columns of a job trace (CSV or JSON Lines) map onto twin jobs.

    Times are numbers converted to seconds with ``time_unit_s`` (``time_format: seconds``), or
    dates (``iso8601`` or a strftime pattern, naive ones in ``timezone``) counted in seconds from
    the earliest submit date in the file; the job duration comes either from ``duration_column``
    (always a number of ``time_unit_s``) or from ``end_column - start_column`` (``start_column``
    defaults to the submit column). ``priority`` is an integer where larger means more important.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    file: Path = Field(description="trace file; a relative path is resolved by the caller (or load_trace's base_dir)")
    format: Literal["csv", "jsonl"] | None = Field(
        None, description="csv (a header line, one row per line) or jsonl (one JSON object per line); "
                          "default: jsonl for a .jsonl or .ndjson file, else csv")
    time_format: str = Field(
        "seconds", description="how submit, start and end times are written: seconds (numbers of time_unit_s), "
                               "iso8601 (dates such as 2023-01-01T00:00:00 or 2023-01-01 00:00:00+08:00) or a "
                               "strftime pattern such as %d/%m/%Y %H:%M; dates count from the file's earliest "
                               "submit date, unparseable ones are dropped (and counted)")
    timezone: str = Field("UTC", description="IANA time zone of dates written without an offset (e.g. Asia/Shanghai)")
    time_unit_s: TraceTimeUnit = Field(1.0, description="seconds per unit of the time and duration columns [s]")
    submit_column: str = Field(description="job submit (arrival) time [time unit]")
    duration_column: str | None = Field(None, description="run time at full speed [time unit]; or use end/start")
    end_column: str | None = Field(None, description="end time [time unit]; duration = end - start")
    estimate_column: str | None = Field(
        None, description="the user's runtime estimate (requested time) [time unit], a number like duration_column; "
                          "scaled as the duration (fraction, size_scale); empty cells: scheduler.runtime_overestimate")
    start_column: str | None = Field(None, description="start time [time unit]; defaults to the submit column")
    checkpoint_gb_column: str | None = Field(
        None, description="the job's state, what a checkpoint writes [GB = 1e9 B]; empty cells: workload.checkpoint's")
    accelerators_column: str = Field(description="accelerators per job (integer)")
    accelerator_fraction_column: str | None = Field(
        None, description="share of each requested accelerator, in units of accelerator_fraction_scale")
    accelerator_fraction_scale: TraceScale = Field(1000.0, description="fraction value meaning one whole accelerator")
    priority_column: str | None = None
    id_column: str | None = Field(
        None, description="the job's id in the trace, kept in /jobs trace_id (and grouping attempts)")
    attempts: Literal["all", "first", "last"] = Field(
        "all", description="rows sharing an id_column value: all become jobs, or only the first or last by "
                           "submit time (the others dropped and counted)")
    gpu_type_column: str | None = Field(None, description="accelerator type of each row (e.g. gpu_spec)")
    gpu_types: list[str] = Field(
        [], description="keep only rows whose gpu_type_column is one of these (dropped rows "
                                          "counted as gpu_type); empty = every type")
    priority_map: dict[str, int] = Field(default_factory=dict, description="column text -> priority (larger = more important)")
    filters: dict[str, FilterValues] = Field(default_factory=dict, description="keep rows whose value is in the list")
    censored: dict[str, FilterValues] = Field(
        default_factory=dict, description="rows whose value is in the list keep a lower-bound duration (flagged)")
    min_accelerators: Annotated[int, Field(ge=1)] = Field(1, description="drop (and count) rows asking for fewer")
    time_scale: TraceScale = Field(1.0, description="multiplies inter-arrival times (<1 compresses the trace)")
    size_scale: TraceScale = Field(1.0, description="multiplies the work of every job")
    start_offset_s: TraceOffset = Field(0.0, description="trace time mapped to simulation t = 0; earlier rows dropped [s]")
    max_jobs: Annotated[int, Field(ge=1)] | None = Field(None, description="keep only the first max_jobs jobs by submit time")

    @field_validator("time_format")
    @classmethod
    def _known_time_format(cls, v: str) -> str:
        if v not in TIME_FORMATS and "%" not in v:
            raise ValueError(f"time_format {v!r} is neither seconds, iso8601 nor a strftime pattern (with % codes)")
        return v

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone {v!r} is not an IANA time zone name (e.g. UTC, Asia/Shanghai)") from None
        return v

    @property
    def file_format(self) -> str:
        """``format``, or what the file's suffix says: jsonl for .jsonl and .ndjson, else csv."""
        if self.format is not None:
            return self.format
        return "jsonl" if Path(self.file).suffix.lower() in (".jsonl", ".ndjson") else "csv"

    @model_validator(mode="after")
    def _one_duration_source(self):
        if (self.duration_column is None) == (self.end_column is None):
            raise ValueError("give exactly one of duration_column or end_column (with start_column)")
        if self.start_column is not None and self.end_column is None:
            raise ValueError("start_column needs end_column (duration = end - start)")
        if self.priority_map and self.priority_column is None:
            raise ValueError("priority_map needs priority_column")
        if self.attempts != "all" and self.id_column is None:
            raise ValueError(f"attempts: {self.attempts} needs id_column (the rows of one job share its value)")
        if bool(self.gpu_types) != (self.gpu_type_column is not None):
            raise ValueError("gpu_types and gpu_type_column go together (the column, and the types to keep)")
        return self
