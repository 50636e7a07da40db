"""Social graphs over a market, generated with numpy from the strategy's own stream.

`scale_free` is Barabási & Albert's preferential attachment as Batagelj & Brandes
generate it ("Efficient generation of large random networks", Phys. Rev. E 71, 036113,
2005): edge `k` joins node `k // m` to the end of a uniformly chosen earlier edge end, so
a node is chosen in proportion to its degree. `small_world` is Watts & Strogatz's ring
lattice with a share of its links rewired to random people (Nature 393, 440, 1998).

Why not igraph, the library made for it: seeded from Python, its generators call back
into Python for every random number, and a million-person Barabási-Albert graph took
about 3 s of the 20 s the combined plan has at that size; here it takes under one.
Both generators may draw a self-loop or the same friendship twice; those are dropped,
which changes the degrees of a large graph by well under a standard error of the
degree distribution (tests/test_strategy_social_referral.py).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def scale_free_edges(nodes: int, per_node: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Both ends of each of the `nodes x per_node` edges, by preferential attachment.

    The ends are written one after the other: slot `2k` holds edge k's new node, slot
    `2k + 1` a copy of a slot chosen uniformly in `[0, 2k]`. An even slot chosen is a node;
    an odd one copies an earlier edge's far end, itself perhaps a copy: those chains are
    resolved all at once by pointer jumping (a few dozen passes for millions of edges)."""
    edges = np.arange(nodes * per_node, dtype=np.int64)
    slot = rng.integers(0, 2 * edges + 1)
    far_end = np.where(slot % 2 == 0, slot // 2 // per_node, -1)
    copies = slot // 2                      # for an odd slot: the earlier edge whose far end it copies
    pending = np.flatnonzero(far_end < 0)
    while pending.size:
        earlier = copies[pending]
        found = far_end[earlier]
        known = found >= 0
        far_end[pending[known]] = found[known]
        pending, earlier = pending[~known], earlier[~known]
        copies[pending] = copies[earlier]   # jump: copy what the earlier edge copies
    return edges // per_node, far_end


def small_world_edges(nodes: int, per_side: int, rewiring: float,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A ring where each person knows the `per_side` next ones; each link's far end is
    moved to a random person with probability `rewiring`."""
    near = np.repeat(np.arange(nodes, dtype=np.int64), per_side)
    far = (near + np.tile(np.arange(1, per_side + 1), nodes)) % nodes
    moved = rng.random(far.size) < rewiring
    far[moved] = rng.integers(0, nodes, int(np.count_nonzero(moved)))
    return near, far


def social_graph(kind: str, nodes: int, mean_degree: int, rewiring: float,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """An undirected graph over `nodes` people as CSR arrays (indptr, neighbours): each
    person's friends, in order, without self-loops or repeats."""
    half = max(1, mean_degree // 2)
    if kind == "scale_free":
        near, far = scale_free_edges(nodes, half, rng)
    elif kind == "small_world":
        near, far = small_world_edges(nodes, min(half, max(1, (nodes - 1) // 2)), rewiring, rng)
    else:
        raise ValueError(f"no graph of kind {kind!r}")
    friends = near != far
    near, far = near[friends].astype(np.int32), far[friends].astype(np.int32)
    # Both directions, grouped by person (a counting sort in C); repeats merged.
    adjacency = sparse.csr_matrix((np.ones(2 * near.size, dtype=np.int8),
                                   (np.concatenate([near, far]), np.concatenate([far, near]))), shape=(nodes, nodes))
    adjacency.sum_duplicates()
    return adjacency.indptr.astype(np.int64), adjacency.indices.astype(np.int32)
