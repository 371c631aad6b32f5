"""Speed of the Inria RR-9345 chain: RSSI samples scored per second, beside bare NumPy.

    .venv/bin/python bench/rssi_speed.py [--contacts N] [--repeat R]

Workload: N contacts of 10 min, a packet every 2 s (300 packets each), as a
receiver hears them: one stream in time order, the contacts interleaved, the
temporary Ids random 64-bit integers. The figure is the whole chain
(``inria.score_contacts``: gain compensation, buffering per Id, contact filter,
clipping, 120 s windows every 60 s with the linear mean (8), the piecewise score
(51), cumulative (52), mean (53), softmax (55) and Theta (54) per contact). The
baseline, in the same run, is the least any scorer must do with the same
samples: their linear-domain mean (8) per contact with bare NumPy, the samples
already laid out one contact per row. Best of R runs each. Prints workload,
figure, baseline and ratio (target >= 0.05).
"""

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracing.scoring import inria  # noqa: E402

SEED = 2020
PACKETS = 300
PERIOD_S = 2.0


def best_of(repeat: int, *runs: Callable[[], object]) -> list[float]:
    """Best time of each run over ``repeat`` rounds, the runs interleaved in every round so
    a busy machine slows them alike."""
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for k, run in enumerate(runs):
            started = time.perf_counter()
            run()
            best[k] = min(best[k], time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    rng = np.random.default_rng(SEED)
    n = args.contacts
    distance = np.sqrt(rng.uniform(0.09, 25.0, n))
    per_contact = inria.mean_rssi_dbm(distance) + rng.normal(0, 4, n)
    rssi = per_contact[:, None] + 10 * np.log10(rng.exponential(size=(n, PACKETS)))
    times = rng.uniform(0, 900, (n, 1)) + PERIOD_S * np.arange(PACKETS)
    ids = np.repeat(rng.integers(0, 2**63, n), PACKETS)
    stream = np.argsort(times, axis=None, kind="stable")  # time order, contacts interleaved
    ids_s, times_s, rssi_s = ids[stream], times.ravel()[stream], rssi.ravel()[stream]
    samples = n * PACKETS

    result = inria.score_contacts(ids_s, times_s, rssi_s)
    assert len(result) == n
    grouped = (ids.reshape(n, PACKETS), times, rssi)  # server side: already one contact a row
    order = np.argsort(ids[::PACKETS])
    grouped = tuple(a[order].ravel() for a in grouped)
    chain, chain_grouped, baseline = best_of(
        args.repeat,
        lambda: inria.score_contacts(ids_s, times_s, rssi_s),
        lambda: inria.score_contacts(*grouped),
        lambda: 10 * np.log10(np.mean(10 ** (rssi / 10), axis=1)),
    )

    rate, base_rate = samples / chain, samples / baseline
    print(
        f"workload: {n:,} contacts x {PACKETS} RSSI samples = {samples:,} samples "
        f"({result.windows.sum():,} windows), one time-ordered stream of random 64-bit Ids; "
        f"best of {args.repeat}"
    )
    print(
        f"figure:   whole chain (inria.score_contacts)  {rate / 1e6:8.2f} M samples/s "
        f"({chain:.3f} s)"
    )
    print(
        f"baseline: bare NumPy linear mean (8)          {base_rate / 1e6:8.2f} M samples/s "
        f"({baseline:.3f} s)"
    )
    print(
        f"aside:    whole chain, input already grouped  {samples / chain_grouped / 1e6:8.2f} "
        f"M samples/s ({chain_grouped:.3f} s, ratio {baseline / chain_grouped:.3f})"
    )
    print(f"ratio:    {rate / base_rate:.3f} (target >= 0.05)")


if __name__ == "__main__":
    main()
