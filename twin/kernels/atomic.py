"""``take_next``: an atomic fetch-and-increment of an int64 counter, so that threads running the
same kernel can share its work item by item (:mod:`twin.engine.node_threads`).

numba has no atomic operations on the CPU target; LLVM's ``atomicrmw add`` is one instruction
(``lock xadd`` on x86-64), emitted here through numba's documented ``intrinsic`` extension
(https://numba.readthedocs.io/en/stable/extending/high-level.html#implementing-intrinsics).
"""
import threading

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload


@intrinsic
def _take_next(typingctx, counter, index):
    """counter[index] += 1, atomically; the value before."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64 and counter.ndim == 1
            and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        array_type, index_type = signature.args
        array = context.make_array(array_type)(context, builder, args[0])
        i = context.cast(builder, args[1], index_type, types.intp)
        pointer = cgutils.get_item_pointer(context, builder, array_type, array, [i])
        # monotonic: the counter orders nothing else; each thread reads and writes only the items it took
        return builder.atomic_rmw("add", pointer, context.get_constant(types.int64, 1), "monotonic")

    return types.int64(counter, index), codegen


_lock = threading.Lock()


def take_next(counter, index):
    """counter[index] += 1, atomically; the value before (counter: int64 array). From Python
    (``TWIN_DISABLE_JIT=1``, or kernels run as plain Python) under a lock; in compiled code the
    one instruction of :func:`_take_next`."""
    with _lock:
        value = int(counter[index])
        counter[index] = value + 1
    return value


@overload(take_next)
def _take_next_compiled(counter, index):
    return lambda counter, index: _take_next(counter, index)
