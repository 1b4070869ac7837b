"""Reports: figures and Markdown from run files and sweep folders. Reads files only: nothing here
imports the engine, the orbits or the config models (a test walks the imports).

``sample``          what a run report reads from a run file (strided for large files)
``figures``         the run report's figures
``ledger_figures``  its accelerator-ledger figures: waterfall and stacked areas over time
``markdown``        ``twin report RUN.h5``: figures plus ``summary.md``; a sweep folder goes to ``sweep``
``sweep``           the sweep report: metrics against the swept parameters
``sweep_ledger``    its limiting-factor figure
``style``           the matplotlib style, number formats and ledger colours both reports share

A new figure goes in ``figures`` (and its entry in ``FIGURES``), or ``ledger_figures``
(``LEDGER_FIGURES``); ``markdown.REPORT_FIGURES`` is their order in the report.
"""
from twin.report.markdown import write_report  # noqa: F401
