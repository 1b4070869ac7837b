"""Radiation and the terrestrial failure floor of the accelerators (``radiation:``; models in
twin/kernels/dose.py and twin/ops/radiation.py, docs/design.md §4 "Radiation").

Every default is declared here once, with its source:

- Dose: the SPENVIS table of twin/kernels/dose.py, at the shielding given (2-10 mm Al, the table's
  range; 5 mm is the table's reference).
- Wear-out: Google, "Towards a future space-based, highly scalable AI infrastructure system
  design" (Project Suncatcher, arXiv:2511.19468, 2025), §2.3: TPU v6e (Trillium) in a 67 MeV
  proton beam; the HBM "began to show irregularities" after 2 krad(Si); no hard failure was
  attributed to TID up to the maximum tested 15 krad(Si), on a single chip: 15 krad is a lower
  bound of the failure dose, not a failure point.
- Single-event effects, per accelerator, in rad(Si) of dose per event (same paper, §4.3, beam
  results, and §2.3): silent data corruption in the core logic and on-chip SRAM 14.4-20 rad per
  event, ~1 per 17 rad in the paper's flight estimate (the default); HBM uncorrectable ECC errors
  ~1 per 44 rad (203 events); system crashes (SEFI) ~1 per 5 krad. The paper converts its beam
  to orbit by dose, as twin does: events per second = dose rate / (rad per event). That carries
  the beam's proton spectrum into orbit; heavy ions (galactic cosmic rays) are not in it.
- Terrestrial floor: Meta, "The Llama 3 Herd of Models" (arXiv:2407.21783, 2024), §3.3.4: 419
  unexpected interruptions in a 54-day snapshot of pre-training on 16,384 H100 GPUs. Per
  accelerator-hour: 419 / (54 d x 24 h/d x 16,384) = 419 / 21,233,664 = 1.973e-5 per h (one per
  5.8 years of one GPU; one a day on 2,100 GPUs).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from twin.config.base import Section
from twin.config.limits import Fraction, SecondsOrZero

# Llama 3 (module docstring): interruptions / (days x hours a day x GPUs)
LLAMA3_INTERRUPTIONS, LLAMA3_DAYS, LLAMA3_GPUS = 419, 54, 16_384
LLAMA3_INTERRUPTIONS_PER_ACCEL_H = LLAMA3_INTERRUPTIONS / (LLAMA3_DAYS * 24 * LLAMA3_GPUS)
# Suncatcher (module docstring), rad(Si) of dose per event per accelerator
SUNCATCHER_SDC_RAD = 17.0
SUNCATCHER_UECC_RAD = 44.0
SUNCATCHER_SEFI_RAD = 5000.0
SUNCATCHER_HBM_IRREGULAR_KRAD = 2.0
SUNCATCHER_MAX_TESTED_KRAD = 15.0

MAX_DOSE_KRAD = 1.0e4   # 10 Mrad(Si): beyond radiation-hardened parts (~1 Mrad)
MAX_RAD_PER_EVENT = 1.0e9
Krad = Annotated[float, Field(ge=0, le=MAX_DOSE_KRAD)]
RadPerEvent = Annotated[float, Field(gt=0, le=MAX_RAD_PER_EVENT)]
Factor = Annotated[float, Field(ge=1, le=1.0e4)]


class Radiation(Section):
    """Dose, wear-out, single-event effects and the terrestrial failure floor (twin/ops/radiation.py).
    The dose is always recorded; the floor is on by default; single-event effects with ``upsets``."""
    shielding_mm_al: Annotated[float, Field(ge=2, le=10)] = Field(
        5.0, description="aluminium around the accelerators [mm]: the dose table's range, 2-10 mm (SPENVIS/"
                         "SHIELDOSE-2 sphere, twin/kernels/dose.py); 5 mm is the table's reference")
    initial_dose_krad: Krad = Field(0.0, description="dose already taken at the epoch [krad(Si)]")
    age_years: Annotated[float, Field(ge=0, le=50)] = Field(
        0.0, description="years in orbit before the epoch, at the run's dose rate: added to initial_dose_krad [year]")
    degradation_krad: Krad = Field(
        SUNCATCHER_HBM_IRREGULAR_KRAD, description="dose from which the HBM turns irregular [krad(Si)]: the "
        "`degraded` event, and degraded_rate_factor from there on; Suncatcher (arXiv:2511.19468) §2.3, TPU v6e")
    degraded_rate_factor: Factor = Field(
        1.0, description="single-event rates of a degraded node, times its rates before [1]; the paper gives no "
                         "rate for the irregularities: 1 = the event only")
    hard_failure_krad: Krad = Field(
        SUNCATCHER_MAX_TESTED_KRAD, description="lowest dose at which an accelerator fails for good [krad(Si)]; a "
        "node fails (permanently, `wear_out`) with its first accelerator. Suncatcher: no hard failure up to the "
        "15 krad(Si) tested, a lower bound. 0 = no wear-out")
    hard_failure_log_sigma: Annotated[float, Field(ge=0, le=5)] = Field(
        0.0, description="spread of failure doses above hard_failure_krad: each accelerator's is hard_failure_krad "
                         "x exp(sigma |Z|), Z standard normal [1]; 0 = every accelerator fails at hard_failure_krad")
    floor_interruptions_per_accel_h: Annotated[float, Field(ge=0, le=1)] = Field(
        LLAMA3_INTERRUPTIONS_PER_ACCEL_H, description="terrestrial floor: interruptions per accelerator-hour, each "
        "rolling back the job on the accelerator hit [1/h]; Meta, Llama 3 (arXiv:2407.21783) §3.3.4: 419 in 54 d on "
        "16,384 GPUs = 1.973e-5. 0 = none")
    upsets: bool = Field(False, description="single-event effects from the dose: silent data corruption, HBM "
                                            "uncorrectable errors and functional interrupts (rates below)")
    sdc_rad_per_event: RadPerEvent = Field(
        SUNCATCHER_SDC_RAD, description="dose per silent data corruption of one accelerator [rad(Si)]; Suncatcher "
                                        "§2.3, §4.3: ~17 (beam: 14.4-20)")
    uecc_rad_per_event: RadPerEvent = Field(
        SUNCATCHER_UECC_RAD, description="dose per uncorrectable HBM error of one accelerator [rad(Si)]: the job on "
                                         "it rolls back at once; Suncatcher §4.3: ~44")
    sefi_rad_per_event: RadPerEvent = Field(
        SUNCATCHER_SEFI_RAD, description="dose per functional interrupt of one accelerator [rad(Si)]: its node "
                                         "reboots for faults.upset_reboot_s; Suncatcher §4.3: ~5,000")
    sdc_corrupting_fraction: Fraction = Field(
        1.0, description="share of silent corruptions on a busy accelerator that spoil its job's results [1]; each "
                         "SDC the paper counted changed a workload's output")
    sdc_detection: Literal["checkpoint", "delay"] = Field(
        "checkpoint", description="when a corruption is found: when the job's next checkpoint falls due "
                                  "(validated on saving), or sdc_detection_delay_s after it happened; the job then "
                                  "loses its work since its last checkpoint before the corruption")
    sdc_detection_delay_s: SecondsOrZero = Field(
        0.0, description="with sdc_detection: delay, the time from a corruption to its detection [s]")
    saa_factor: Factor = Field(
        1.0, description="single-event rate inside the SAA ellipse (faults.saa_*) relative to outside [1]; the "
                         "orbit-average rate stays the dose's. 1 = uniform (no per-region rates are published "
                         "for these devices)")
    high_latitude_factor: Factor = Field(
        1.0, description="single-event rate poleward of high_latitude_deg geomagnetic latitude, relative to the "
                         "rest outside the SAA [1]; the orbit average stays the dose's. 1 = uniform")
    high_latitude_deg: Annotated[float, Field(ge=0, le=90)] = Field(
        54.7, description="geomagnetic (centred dipole) latitude from which high_latitude_factor applies [deg]; "
                          "54.7 = the foot of the L = 3 field line (cos^2 = 1/L), the outer belt's inner edge")
