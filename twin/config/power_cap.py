"""The accelerators' power cap and their throughput-versus-cap curve (``spacecraft.accelerator``).

These fields belong to :class:`twin.config.sections.Accelerator` (declared here to keep that module
small). A power cap (``nvidia-smi -pl``, DVFS under a power limit) holds a busy accelerator's power
at full throttle to ``cap × peak_power_w`` instead of ``peak_power_w``; it then runs at the
throughput ``power_curve`` gives for that cap, a fraction of its uncapped throughput. The node
kernel applies it (:mod:`twin.kernels.node`); the cap is set per node, for the whole run by
``power_cap_fraction`` or at each scheduler epoch by the ``power_cap`` policy
(:mod:`twin.ops.power_cap`).

The curve is a list of (power cap, throughput) points, both fractions of the uncapped figures,
interpolated piecewise-linearly between its points; it ends at (1, 1) (no cap: full throughput),
and no cap may be set below its first point (no measurement there).

The default curve (that of the preset h100):

- (1.0, 1.0): no cap, by definition.
- (0.6, 0.936): McDonald, Li, Frey, Tiwari, Gadepally & Samsi, "Great Power, Great
  Responsibility: Recommendations for Reducing Energy for Training Language Models", Findings of
  NAACL 2022 (arXiv:2205.09646; power capping of large language-model training on the MIT
  SuperCloud's NVIDIA V100 GPUs): a 150 W cap on a 250 W GPU (0.6 of its limit) lowered the
  energy of training by 13.7 % on average and lengthened it by 6.8 %: throughput 1 / 1.068 =
  0.9363. (The 13.7 % is quoted in summaries of the paper seen while writing this; the 6.8 % is
  the paper's figure as recalled and was not re-read in its text: check it there before leaning
  on the curve's exact value. tests/test_power_cap.py holds the model to the curve, whatever its
  points; docs/policy_comparison.md shows the result with a pessimistic curve too.)

It is a V100 measurement on transformer training, the closest published whole-training-run
measurement this curve could be drawn from; it is read as a fraction of the power limit and
applied to the H100's 700 W. Between the two points the throughput is interpolated linearly (the
measured curves are concave: the line under-states the throughput between them, a conservative
choice); below 0.6 there is no measurement, so no lower cap is allowed with the default curve.
"""
from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field, field_validator, model_validator

from twin.config.base import Section

# (power cap, throughput), fractions of the uncapped: McDonald et al. 2022 (module docstring)
H100_POWER_CURVE = ((0.6, 0.9363), (1.0, 1.0))   # 0.9363 = 1 / 1.068

CurveFraction = Annotated[float, Field(gt=0, le=1)]


def check_curve(points) -> tuple[tuple[float, float], ...]:
    """``points`` as a validated curve, or ValueError saying what is wrong: caps strictly
    increasing, throughput never falling as the cap rises, ending at (1, 1) (that point alone:
    accelerators that cannot be capped)."""
    points = tuple((float(c), float(t)) for c, t in points)
    if not points:
        raise ValueError("needs (power cap, throughput) points, the last (1, 1)")
    for (c0, t0), (c1, t1) in zip(points, points[1:]):
        if not c1 > c0:
            raise ValueError(f"power caps must rise strictly from point to point ({c0} then {c1})")
        if t1 < t0:
            raise ValueError(f"throughput must not fall as the cap rises ({t0} at {c0}, {t1} at {c1})")
    if points[-1] != (1.0, 1.0):
        raise ValueError(f"must end at (1, 1), no cap and full throughput, not {points[-1]}")
    return points


def throughput_at(cap, curve) -> np.ndarray:
    """Throughput fraction [1] at power cap(s) ``cap`` [1] on ``curve`` (piecewise-linear)."""
    caps, rates = np.array(curve, dtype=np.float64).T
    return np.interp(np.asarray(cap, dtype=np.float64), caps, rates)


class AcceleratorPowerCap(Section):
    """The power cap of the accelerators and their throughput under it."""
    power_curve: list[tuple[CurveFraction, CurveFraction]] = Field(
        list(H100_POWER_CURVE),
        description="throughput under a power cap: [[cap, throughput], ...], both fractions of the uncapped "
                    "(peak_power_w, full speed), caps rising, throughput not falling, ending at [1, 1]; "
                    "piecewise-linear between points, no cap below the first ([[1, 1]] alone: not cappable). "
                    "Default: McDonald et al. 2022 (150 W of 250 W: 6.8 % slower), see twin/config/power_cap.py")
    power_cap_fraction: CurveFraction = Field(
        1.0, description="power cap of every accelerator for the whole run, a fraction of peak_power_w "
                         "(1 = none; scheduler.policy power_cap sets it per node instead) [1]; a design choice")

    @field_validator("power_curve")
    @classmethod
    def _curve(cls, v):
        return list(check_curve(v))

    @model_validator(mode="after")
    def _cap_on_curve(self):
        lowest = self.power_curve[0][0]
        if self.power_cap_fraction < lowest:
            raise ValueError(f"power_cap_fraction ({self.power_cap_fraction}) is below the first point of "
                             f"power_curve ({lowest}): no throughput is known there")
        idle_w, peak_w = getattr(self, "idle_power_w", 0.0), getattr(self, "peak_power_w", 1.0)
        if self.power_cap_fraction * peak_w < idle_w:
            raise ValueError(f"power_cap_fraction ({self.power_cap_fraction}) x peak_power_w is "
                             f"{self.power_cap_fraction * peak_w:g} W, below idle_power_w ({idle_w:g} W)")
        return self

    @property
    def lowest_cap(self) -> float:
        """The lowest cap a policy may set [1]: the curve's first point, and no lower than idle
        power (a busy accelerator draws at least that)."""
        idle_w, peak_w = getattr(self, "idle_power_w", 0.0), getattr(self, "peak_power_w", 1.0)
        return max(float(self.power_curve[0][0]), idle_w / peak_w)
