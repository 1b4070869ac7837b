"""What a job's checkpoints, restores and migrations cost (``workload.checkpoint``), and when its
timer checkpoints (``workload.checkpoint_interval_s``); the model is :mod:`twin.ops.checkpoints`.

A job's state (weights and optimiser state) is ``size_gb``, or, by default, the model's
parameters (``workload.communication.model_params``) x ``bytes_per_param``, or a trace's own
column (``workload.mapping.checkpoint_gb_column``). Writing it to the satellites' local storage,
reading it back there, and moving it between satellites (over inter-satellite links, or a relay
off the constellation) take time at the rates below, during which the job holds its accelerators
and makes no progress: the ledger's ``overhead``.

Defaults and their sources:

- ``bytes_per_param`` 14: mixed-precision training with Adam keeps 2 bytes of fp16 weights, 2 of
  fp16 gradients and K = 12 of fp32 optimiser state (master weights, momentum, variance) per
  parameter, 16 in all (Rajbhandari, Rasley, Ruwase & He, "ZeRO: memory optimizations toward
  training trillion parameter models", SC'20, §3.1, "Model States"); a checkpoint holds the
  weights and the optimiser state, not the gradients: 2 + 12 = 14. A 7-billion-parameter model:
  98 GB.
- ``write_gbps`` 30.4 and ``read_gbps`` 51.2 per satellite: one data-centre NVMe SSD, Samsung
  PM1733 (U.2, PCIe Gen4), sequential write 3.8 GB/s and read 6.4 GB/s (Samsung's specification
  at its launch, 2019). A satellite with more drives writes faster: give the sum.
- ``relay_gbps`` 1.8: the laser links of ESA/Airbus's European Data Relay System
  (SpaceDataHighway, operational since 2016) carry up to 1.8 Gbit/s from a LEO satellite to a
  relay satellite in GEO that sees it for most of its orbit (ESA, EDRS); the rate of a relay off
  the constellation when no inter-satellite path is faster. twin takes it as always available
  and not shared between jobs.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, WrapValidator

from twin.config.base import Section
from twin.config.limits import Fraction, Seconds, SecondsOrZero

# [GB] a job's state: 1 PB, ~40x that of a 1.8-trillion-parameter model at 14 B/parameter (25 TB)
MAX_CHECKPOINT_GB = 1.0e6
# [B] per parameter: 64 covers fp64 weights with several fp64 optimiser moments
MAX_BYTES_PER_PARAM = 64.0
# [Gbit/s] storage or relay rate: 1 Pbit/s, far beyond any drive array or radio/optical link
MAX_STATE_GBPS = 1.0e6
YOUNG_DALY = "young_daly"

_SECONDS = TypeAdapter(Seconds, config=ConfigDict(allow_inf_nan=False))


def _interval(value, handler):
    """young_daly, or a number of seconds checked as :data:`Seconds` (one error, not one per
    member of the union)."""
    if value == YOUNG_DALY:
        return value
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            raise ValueError(f"{value!r} is neither a number of seconds nor young_daly") from None
    try:
        return _SECONDS.validate_python(value)
    except ValidationError as err:
        raise ValueError(err.errors()[0]["msg"]) from None


# the timer: a fixed interval of the job's compute time, or Young/Daly's optimum for the job's
# placement (twin.ops.checkpoints.young_daly_interval_s)
CheckpointInterval = Annotated[Union[Seconds, Literal["young_daly"]], WrapValidator(_interval)]
CHECKPOINT_INTERVAL_HELP = (
    "the timer: a job checkpoints after this much compute time since its last checkpoint [s]; or young_daly: "
    "Young/Daly's optimum sqrt(2 delta M) - delta for its write time delta and the MTBF M of its satellites "
    "(faults: mtbf_h and the upset rates at each orbit's mean time in the SAA); a rollback loses the work since")
Rate = Annotated[float, Field(gt=0, le=MAX_STATE_GBPS)]


class CheckpointCost(Section):
    """What checkpoints, restores and migrations cost (twin/ops/checkpoints.py): a job's state
    size and the rates it moves at; ``size_gb: 0`` makes them free (twin before this model)."""
    size_gb: Annotated[float | None, Field(ge=0, le=MAX_CHECKPOINT_GB)] = Field(
        None, description="every job's state [GB = 1e9 B]; null: communication.model_params x bytes_per_param "
                          "(a trace's checkpoint_gb_column wins where given); 0: checkpoints, restores and "
                          "migrations cost nothing")
    bytes_per_param: Annotated[float, Field(gt=0, le=MAX_BYTES_PER_PARAM)] = Field(
        14.0, description="state per model parameter [B]: fp16 weights (2) and fp32 Adam state (12), "
                          "Rajbhandari et al., ZeRO, SC'20, §3.1")
    write_gbps: Rate = Field(
        30.4, description="each satellite's local storage write rate [Gbit/s]; a job's shards are written in "
                          "parallel, one per satellite; 3.8 GB/s, Samsung PM1733 NVMe SSD datasheet (2019)")
    read_gbps: Rate = Field(
        51.2, description="each satellite's local storage read rate [Gbit/s], for a restore where the state was "
                          "written; 6.4 GB/s, Samsung PM1733 NVMe SSD datasheet (2019)")
    relay_gbps: Rate = Field(
        1.8, description="rate of a relay off the constellation (ground station or data-relay satellite) [Gbit/s], "
                         "used where no inter-satellite path is faster; always available; ESA EDRS laser link, 2016")
    overlap: Fraction = Field(
        0.0, description="share of a checkpoint write hidden behind compute (asynchronous checkpointing); the job "
                         "stalls for the rest, and the checkpoint counts once that part is done [1]")
    before_eclipse: bool = Field(
        False, description="also checkpoint a job when one of its satellites enters a predicted eclipse within "
                           "eclipse_lead_s (and it has not checkpointed since that window opened); the timer restarts")
    eclipse_lead_s: SecondsOrZero = Field(
        300.0, description="before_eclipse: how long before the predicted eclipse entry [s]")
