"""Running calls at the same moment, each in its own thread and database connections."""

import threading

from django.db import connections

from core.errors import DomainError


def at_the_same_moment(*calls):
    """Run each call in its own thread (own connections), released together."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = ("ok", call())
        except DomainError as refusal:
            outcomes[index] = ("refused", refusal)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes
