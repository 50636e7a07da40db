"""A fixed numpy workload: the floor for a vectorised daily step over N shoppers.

A copy of the workload every timing of issue 17 is divided by (kept here so that the
benchmarks do not depend on anything outside the repository); do not change it, or the
multiples stop being comparable with earlier ones.

Fifteen element-wise float32 operations over N-element arrays, once a day for D days.
Its time is the yardstick that project timings are divided by, in the same run.
"""
import sys
import time

import numpy as np


def kernel(n: int, days: int) -> float:
    rng = np.random.default_rng(0)
    sat = rng.random(n, dtype=np.float32)
    lam = rng.gamma(0.5, 0.05, n).astype(np.float32)
    alive = np.ones(n, dtype=bool)
    spend = np.zeros(n, dtype=np.float32)
    u = np.empty(n, dtype=np.float32)
    t0 = time.perf_counter()
    for _ in range(days):
        rng.random(out=u, dtype=np.float32)
        buy = (u < lam * (0.5 + sat)) & alive
        spend += buy * np.float32(50.0)
        sat += np.where(buy, np.float32(0.01), np.float32(-0.001))
        np.clip(sat, 0, 1, out=sat)
        alive &= ~(buy & (u < np.float32(0.002) * (1.5 - sat)))
    return time.perf_counter() - t0


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 365
    print(f"{kernel(n, d):.3f}")
