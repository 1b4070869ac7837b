"""Operations: what the constellation is asked to do and what goes wrong.

``workload``    job sources: Poisson arrivals, trace replay
``trace``       reading a GPU-cluster trace through its column mapping
``jobs``        the job book: queue, running jobs, placements, completions, /jobs rows
``scheduling``  queue and placement policies (the node-aware ones in ``policies``)
``queue_index`` the waiting queue as policies see it, indexed by demand
``faults``      failures, radiation upsets, scripted outages

A new policy goes in ``scheduling``; a new job source in ``workload``.
"""
