"""The column mapping of a job-trace CSV (``workload.mapping`` in a config): which columns hold
the submit time, the duration, the accelerators, a fractional share and a priority, and the
filters that select rows. Reading the file is :mod:`twin.ops.trace`'s job."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from twin.config.limits import TraceOffset, TraceScale, TraceTimeUnit

FilterValues = list[str | int | float]


class TraceMapping(BaseModel):
    """How the columns of a job-trace CSV map onto twin jobs.

    Times are converted to seconds with ``time_unit_s``; the job duration comes either from
    ``duration_column`` or from ``end_column - start_column`` (``start_column`` defaults to the
    submit column). ``priority`` is an integer where larger means more important.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    file: Path = Field(description="CSV file; a relative path is resolved by the caller (or load_trace's base_dir)")
    time_unit_s: TraceTimeUnit = Field(1.0, description="seconds per unit of the time and duration columns [s]")
    submit_column: str = Field(description="job submit (arrival) time [time unit]")
    duration_column: str | None = Field(None, description="run time at full speed [time unit]; or use end/start")
    end_column: str | None = Field(None, description="end time [time unit]; duration = end - start")
    start_column: str | None = Field(None, description="start time [time unit]; defaults to the submit column")
    accelerators_column: str = Field(description="accelerators per job (integer)")
    accelerator_fraction_column: str | None = Field(
        None, description="share of each requested accelerator, in units of accelerator_fraction_scale")
    accelerator_fraction_scale: TraceScale = Field(1000.0, description="fraction value meaning one whole accelerator")
    priority_column: str | None = None
    priority_map: dict[str, int] = Field(default_factory=dict, description="column text -> priority (larger = more important)")
    filters: dict[str, FilterValues] = Field(default_factory=dict, description="keep rows whose value is in the list")
    censored: dict[str, FilterValues] = Field(
        default_factory=dict, description="rows whose value is in the list keep a lower-bound duration (flagged)")
    min_accelerators: Annotated[int, Field(ge=1)] = Field(1, description="drop (and count) rows asking for fewer")
    time_scale: TraceScale = Field(1.0, description="multiplies inter-arrival times (<1 compresses the trace)")
    size_scale: TraceScale = Field(1.0, description="multiplies the work of every job")
    start_offset_s: TraceOffset = Field(0.0, description="trace time mapped to simulation t = 0; earlier rows dropped [s]")
    max_jobs: Annotated[int, Field(ge=1)] | None = Field(None, description="keep only the first max_jobs jobs by submit time")

    @model_validator(mode="after")
    def _one_duration_source(self):
        if (self.duration_column is None) == (self.end_column is None):
            raise ValueError("give exactly one of duration_column or end_column (with start_column)")
        if self.start_column is not None and self.end_column is None:
            raise ValueError("start_column needs end_column (duration = end - start)")
        if self.priority_map and self.priority_column is None:
            raise ValueError("priority_map needs priority_column")
        return self
