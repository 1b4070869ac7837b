"""Scale-out on Dask: parameter sweeps, Monte Carlo ensembles and sharded constellations.

``spec``     the sweep YAML (pydantic) and its members (grid x samples x seeds), with stable ids
``cluster``  a Dask client: a loopback-only ``LocalCluster`` or a scheduler the user names
``runner``   members (and shards) as Dask tasks, skip-if-complete, progress, the summary table
``shard``    splitting one constellation by shell, plane or cluster, and the job share of each shard
``combine``  shards -> one run file through HDF5 virtual datasets
``sweep``    ``twin sweep SWEEP.yaml``: plan, run and summarise a sweep

The summary table's file format is :mod:`twin.output.sweep_table`; its report
:mod:`twin.report.sweep` (``twin report runs/<sweep>/``).

docs/sweeps.md is the guide.
"""
