"""twin's version, in a module that imports nothing: ``twin.__version__`` and the run files'
``twin_version`` attribute (:func:`twin.output.static.library_versions`) both read it, so the output
layer does not import the package front door (which reaches the engine). Keep it equal to
``version`` in pyproject.toml."""

__version__ = "0.1.0"
