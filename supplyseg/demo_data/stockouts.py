"""Planted stock-outs: product x plant x months whose stock ran out, so part of the demand was lost.

Each month a share of the product x plant pairs with demand is out of stock: a share of their
order lines is dropped before anything is written (lost sales: the customers wanted more than
could be shipped) and the month-end inventory snapshot of the pair shows nothing on hand. The
true demand (before the loss) and the observed demand (after it) of every pair with demand are
written to ``_truth/stockout_true_demand.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STOCKOUT_SHARE = 0.04  # share of the month's product x plant pairs with demand that run out of stock
LOST_SHARE_RANGE = (0.3, 0.7)  # share of a stocked-out pair's order lines that is lost (uniform)


@dataclass(frozen=True)
class StockoutMonth:
    """One month's product x plant pairs with demand (clean lines), before and after the lost sales."""

    product: np.ndarray  # product index
    plant: np.ndarray  # plant index
    true_quantity: np.ndarray  # int64, demand before the loss
    observed_quantity: np.ndarray  # int64, demand on the written lines
    is_stockout: np.ndarray  # bool

    def stocked_out(self, n_plants: int) -> np.ndarray:
        """Keys product * n_plants + plant of the pairs out of stock."""
        return self.product[self.is_stockout] * n_plants + self.plant[self.is_stockout]


def apply_stockouts(product: np.ndarray, plant: np.ndarray, quantity: np.ndarray, n_plants: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, StockoutMonth]:
    """(lines kept, the month's pairs): picks the stock-outs and drops a share of their lines.

    round(STOCKOUT_SHARE x pairs with demand) pairs stock out, drawn among the pairs with at least
    two lines (a single-line pair cannot lose part of its demand). A stocked-out pair loses
    round(share x its lines) lines, at least one and never all, so 0 < observed < true demand.
    """
    key = product * n_plants + plant
    pairs, inverse = np.unique(key, return_inverse=True)
    n_pairs = len(pairs)
    true_quantity = np.bincount(inverse, weights=quantity, minlength=n_pairs).astype(np.int64)
    line_count = np.bincount(inverse, minlength=n_pairs)
    eligible = np.flatnonzero(line_count >= 2)
    is_stockout = np.zeros(n_pairs, dtype=bool)
    is_stockout[eligible[rng.permutation(len(eligible))[: int(round(STOCKOUT_SHARE * n_pairs))]]] = True
    lost_share = rng.uniform(*LOST_SHARE_RANGE, size=n_pairs)
    lost = np.where(is_stockout, np.clip(np.round(lost_share * line_count), 1, line_count - 1), 0).astype(np.int64)
    # Lose the first ``lost`` lines of each pair in a random order.
    order = np.lexsort((rng.random(len(key)), inverse))
    rank = np.empty(len(key), dtype=np.int64)
    rank[order] = np.arange(len(key)) - (np.cumsum(line_count) - line_count)[inverse[order]]
    keep = rank >= lost[inverse]
    observed = np.bincount(inverse[keep], weights=quantity[keep], minlength=n_pairs).astype(np.int64)
    month = StockoutMonth(pairs // n_plants, pairs % n_plants, true_quantity, observed, is_stockout)
    return keep, month
