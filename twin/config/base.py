"""The base of every config section."""
from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """Base of every config section (and of the sweep file's): unknown keys are errors, values are
    frozen, and NaN or infinite numbers are refused with the field named."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
