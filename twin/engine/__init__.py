"""The engine: the SimPy clock and the run.

``simulation``  :class:`Simulation` and :func:`run`: the clock, the node and job processes, records
``nodes``       spacecraft config -> kernel parameters, initial node state, per-record values
``inputs``      every input a run reads, read and checked before any output is made
``checkpoint``  checkpoints, resumption, stop signals, the disk-space check
``progress``    progress of long work: a rich bar on a terminal, log lines elsewhere

A new physics model is a kernel (:mod:`twin.kernels`) wired in through ``nodes``; a new process
on the clock (a link scheduler, a ground pass) goes beside ``simulation``.
"""
