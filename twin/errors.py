"""Errors that mean bad input: the CLI prints their message (one line per problem) and exits 2."""


class InputError(ValueError):
    """Bad input from the user: a config, a data file or a run file. The message names it."""


class OutputExistsError(InputError, FileExistsError):
    """The output file exists and --force was not given."""


class RunFailedError(RuntimeError):
    """A run that could not go on (e.g. its disk filled); the message is one line naming the file,
    the cause and how to resume. The CLI prints it and exits 1."""
