"""Errors that mean bad input: the CLI prints their message (one line per problem) and exits 2."""


class InputError(ValueError):
    """Bad input from the user: a config, a data file or a run file. The message names it."""


class OutputExistsError(InputError, FileExistsError):
    """The output file exists and --force was not given."""
