"""Benchmark `rssi`: RSSI samples scored per second by the Inria RR-9345 chain, beside NumPy.

    .venv/bin/python bench/rssi_speed.py [--contacts N] [--repeat R] [--scale S] [--json PATH]

Workload: N contacts of 10 min, a packet every 2 s (300 packets each), as a
receiver hears them: one stream in time order, the contacts interleaved, the
temporary Ids random 64-bit integers. The figure is the whole chain
(``inria.score_contacts``: gain compensation, buffering per Id, contact filter,
clipping, 120 s windows every 60 s with the linear mean (8), the piecewise score
(51), cumulative (52), mean (53), softmax (55) and Theta (54) per contact). The
baseline, in the same run, is the least any scorer must do with the same
samples: their linear-domain mean (8) per contact with bare NumPy, the samples
already laid out one contact per row. Best of R runs each, interleaved. A
second row times the chain on input already grouped per contact.

`--scale` is accepted and ignored: the figure is a rate, and 20,000 contacts
(6 million samples, a few hundred MB of arrays) measure it steadily; scaling
the contacts by 100 would need tens of gigabytes for the same number.
"""

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import Row, write_rows  # noqa: E402

from risk.scoring import inria  # noqa: E402

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
    parser.add_argument("--scale", type=int, default=10, help="accepted and ignored (a rate)")
    parser.add_argument("--json", help="write the rows there (bench/run.py)")
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
    workload = (
        f"{n:,} contacts x {PACKETS} RSSI samples = {samples:,} samples "
        f"({result.windows.sum():,} windows); best of {args.repeat}"
    )
    baseline_text = f"bare NumPy linear mean (8): {base_rate / 1e6:.2f} M samples/s"
    rows = [
        Row(
            id="rssi",
            workload=f"Inria chain (inria.score_contacts), one time-ordered stream; {workload}",
            figure=f"{rate / 1e6:.2f} M samples/s ({chain:.2f} s)",
            baseline=baseline_text,
            ratio=f"{rate / base_rate:.3f}",
            target="ratio ≥ 0.05",
            met=rate / base_rate >= 0.05,
        ),
        Row(
            id="rssi",
            workload=f"the same chain, input already grouped per contact; {workload}",
            figure=f"{samples / chain_grouped / 1e6:.2f} M samples/s ({chain_grouped:.2f} s)",
            baseline=baseline_text,
            ratio=f"{baseline / chain_grouped:.3f}",
            target="ratio ≥ 0.05",
            met=baseline / chain_grouped >= 0.05,
        ),
    ]
    write_rows(args.json, rows)


if __name__ == "__main__":
    main()
