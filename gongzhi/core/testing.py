"""Helpers for the apps' tests."""

import threading

from django.db import connections


def race(n: int, fn) -> list:
    """Run fn(i) in n threads released together (each on its own database connection, closed
    afterwards); returns the list of results, an exception standing for its thread's result."""
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            out[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - the result is the exception
            out[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out
