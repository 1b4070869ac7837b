"""Economics: what a satellite weighs (``mass``), what a run's delivered work costs over a mission
(``cost``), what the same work costs on the ground (``ground``, with pvlib), and the published
analyses reproduced with their own inputs (``published``).

Layer: beside ``twin.orbits`` and ``twin.output`` (it reads only the config and /summary values),
below the engine, which adds the cost keys to /summary; ``twin cost RUN.h5`` recomputes them from
a finished run's file.
"""
