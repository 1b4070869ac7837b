"""The command line: ``twin run | validate | inspect | report | sweep | bench`` (``main``), and
``twin bench`` (``bench``). A new subcommand goes in ``main``."""
from twin.cli.main import main  # noqa: F401
