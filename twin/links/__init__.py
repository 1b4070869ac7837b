"""Inter-satellite links: which satellites are linked (topology), how much each link carries
(an optical link budget from range), and what that means for the gangs of jobs that span
several satellites (routes, shares, the rate their slowest link path allows).

Layer: above ``twin.orbits`` (the satellites and their positions) and ``twin.config``, below
``twin.ops`` (placement policies read the link graph) and ``twin.engine``. Per-step geometry is a
pure numba kernel in :mod:`twin.kernels.links`; everything here is orchestration in Python.

A new topology goes in :mod:`twin.links.topology`; a new terminal model in
:mod:`twin.links.budget` (and its preset under ``configs/presets/link/``).
"""
