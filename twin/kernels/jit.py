"""``kernel``: numba's ``njit(cache=True)`` for a function that other kernels call, compiled
without the wrappers a call from Python needs unless Python calls it.

numba compiles two wrappers around every function besides its code: one that converts Python
objects to native values (and back) for a call from Python, and a C-callable one. A kernel that
only other kernels call never uses them, and they are much of its compilation: for a function
of the node parameters (:class:`twin.kernels.node.NodeParams`, dozens of fields each converted
on its own) about 0.1 s of CPU of the 0.12 s it takes, repeated for each of the few dozen such
kernels of a first run (benchmarks/RESULTS.md). numba compiles its own helpers the same way
(``numba.core.extending``'s ``no_cpython_wrapper``).

A function under :func:`kernel` calls and is called like any numba function. Compiled code
calls it without the wrappers; a call from Python (tests, the REPL) goes to a second dispatcher
of the same function with them, compiled, or loaded from numba's cache, the first time Python
calls it. The two are cached apart (the second under the name ``<name>__from_python``). With
``TWIN_DISABLE_JIT=1`` the function is returned as it is, as ``njit`` does.
"""
from __future__ import annotations

import types

from numba import njit
from numba.core import config
from numba.core.registry import CPUDispatcher

PYTHON_SUFFIX = "__from_python"   # the name of the dispatcher Python calls, in numba's cache


class KernelDispatcher(CPUDispatcher):
    """A dispatcher compiled without numba's Python and C wrappers; called from Python, it hands
    the call to a twin of itself that has them."""

    _from_python = None

    def __call__(self, *args, **kwargs):
        twin = self._from_python
        if twin is None:
            twin = self._from_python = _python_twin(self)
        return twin(*args, **kwargs)


def _python_twin(dispatcher: KernelDispatcher):
    fn = dispatcher.py_func
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + PYTHON_SUFFIX, fn.__defaults__,
                              fn.__closure__)
    copy.__qualname__ = fn.__qualname__ + PYTHON_SUFFIX
    copy.__module__, copy.__doc__, copy.__kwdefaults__ = fn.__module__, fn.__doc__, fn.__kwdefaults__
    options = {k: v for k, v in dispatcher.targetoptions.items()
               if k not in ("nopython", "no_cpython_wrapper", "no_cfunc_wrapper")}
    return njit(cache=True, **options)(copy)


def kernel(fn=None, **options):
    """``@kernel`` or ``@kernel(**njit options)``: ``njit(cache=True, **options)`` without the
    wrappers for calls from Python (module docstring)."""
    if fn is None:
        return lambda f: kernel(f, **options)
    if config.DISABLE_JIT:
        return fn
    targetoptions = {**options, "nopython": True, "no_cpython_wrapper": True, "no_cfunc_wrapper": True}
    dispatcher = KernelDispatcher(py_func=fn, locals={}, targetoptions=targetoptions)
    dispatcher.enable_caching()
    return dispatcher
