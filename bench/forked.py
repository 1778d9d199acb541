"""Running one benchmark phase in a forked child, so that its peak memory is its own."""
import multiprocessing
import resource
import time


def _child(queue, function, args):
    from django.db import connections

    connections.close_all()  # the child opens its own database connection
    started = time.perf_counter()
    value = function(*args)
    seconds = time.perf_counter() - started
    queue.put((value, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def measure(function, *args):
    """Run `function(*args)` in a forked child: (its return value, seconds, peak MiB of the child)."""
    from django.db import connections

    connections.close_all()  # a forked child must not share the parent's connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(queue, function, args))
    child.start()
    result = queue.get()
    child.join()
    if child.exitcode:
        raise SystemExit(f"{function.__name__} failed (exit {child.exitcode})")
    return result
