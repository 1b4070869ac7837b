"""Scale-out on Dask: parameter sweeps, Monte Carlo ensembles and sharded constellations.

``spec``     the sweep YAML (pydantic) and its members (grid x samples x seeds), with stable ids
``cluster``  a Dask client: a loopback-only ``LocalCluster`` or a scheduler the user names
``runner``   members (and shards) as Dask tasks, skip-if-complete, progress, the summary table
``shard``    splitting one constellation by shell, plane or cluster, and the job share of each shard
``combine``  shards -> one run file through HDF5 virtual datasets
``table``    the summary table (CSV or Parquet, and HDF5)
``report``   figures and summary.md of a sweep (``twin report runs/<sweep>/``)

``twin sweep SWEEP.yaml`` enters through :func:`twin.sweep.main`; docs/sweeps.md is the guide.
"""
