"""numpy kernels for large ranked elections: the same counts as the pure-Python code in
tally.py, in integer arithmetic (exact), used when numpy is installed. The auditor's path
without numpy stays available, and a test checks that both give identical results.

Ballots become an (N, w) int array of nominee indices in rank order, padded with -1, w the
longest ranking. Indices and positions are int16 while they fit (half the memory of int32 for a
million ballots), int32 from 32,768 nominees on.
"""

from collections.abc import Sequence
from itertools import chain

import numpy as np

HISTOGRAM_CELLS = 10**7


def index_type(m: int) -> type[np.signedinteger]:
    """The smallest type that holds every index and position among m nominees, and m itself."""
    return np.int16 if m < 2**15 else np.int32


def ranking_matrix(nominees: Sequence[str], rankings: Sequence[Sequence[str]]) -> np.ndarray:
    index = {n: i for i, n in enumerate(nominees)}.__getitem__
    m, n, dtype = len(nominees), len(rankings), index_type(len(nominees))
    if all(len(r) == m for r in rankings):  # full rankings: one flat pass, no row lists
        flat = np.fromiter(map(index, chain.from_iterable(rankings)), dtype=dtype, count=n * m)
        return flat.reshape(n, m)
    matrix = np.full((n, max(map(len, rankings), default=0)), -1, dtype=dtype)
    for i, ranking in enumerate(rankings):
        matrix[i, : len(ranking)] = [index(x) for x in ranking]
    return matrix


def score_histograms(
    nominees: Sequence[str], ballots: Sequence[dict[str, int]], low: int, high: int
) -> dict[str, dict[int, int]]:
    """For each nominee, how many ballots gave it each score in [low, high]: one bincount over
    a (nominees x (high - low + 1)) table, which `fits_histogram` says is small enough."""
    index = {n: i for i, n in enumerate(nominees)}.__getitem__
    keys = np.fromiter(map(index, chain.from_iterable(ballots)), dtype=np.int64)
    values = np.fromiter(chain.from_iterable(b.values() for b in ballots), dtype=np.int64)
    width = high - low + 1
    counts = np.bincount(keys * width + (values - low), minlength=len(nominees) * width)
    table = counts.reshape(len(nominees), width)
    return {
        n: {low + s: int(c) for s, c in enumerate(table[i]) if c} for i, n in enumerate(nominees)
    }


def fits_histogram(nominees: int, low: int, high: int) -> bool:
    """Whether `score_histograms` can count this range: a table of at most HISTOGRAM_CELLS
    cells (a score range of 1 to 10**18 would need exabytes) indexed in int64."""
    return nominees * (high - low + 1) <= HISTOGRAM_CELLS and -(2**62) < low <= high < 2**62


def borda_points(matrix: np.ndarray, m: int) -> list[int]:
    points = np.zeros(m, dtype=np.int64)
    for j in range(matrix.shape[1]):
        column = matrix[:, j]
        points += np.bincount(column[column >= 0], minlength=m).astype(np.int64) * (m - 1 - j)
    return [int(p) for p in points]


def pairwise(matrix: np.ndarray, m: int) -> list[list[int]]:
    """d[x][y]: ballots ranking x above y (a ranked nominee is above every unranked one)."""
    n = matrix.shape[0]
    positions = np.full((n, m), m, dtype=index_type(m))
    rows, cols = np.nonzero(matrix >= 0)
    positions[rows, matrix[rows, cols]] = cols
    d = []
    for x in range(m):
        above = positions[:, x][:, None] < positions
        d.append([int(v) for v in above.sum(axis=0, dtype=np.int64)])
        d[x][x] = 0
    return d


class RunoffCount:
    """One IRV count over the ballots. Each ballot keeps a pointer to its current top choice;
    eliminating a nominee moves only the pointers of the ballots that had it on top, and only
    forward, so a whole count reads each ballot at most once per rank position."""

    def __init__(self, matrix: np.ndarray, continuing: np.ndarray) -> None:
        self.matrix = matrix
        self.continuing = continuing.copy()
        n = matrix.shape[0]
        self.pos = np.zeros(n, dtype=matrix.dtype)
        self.top = matrix[:, 0].copy() if n else np.empty(0, dtype=matrix.dtype)
        self._settle(np.nonzero((self.top >= 0) & ~self._alive(self.top))[0])

    def fork(self) -> "RunoffCount":
        """A copy to eliminate in, sharing the ballots: the next rank's count starts from this
        one's pointers, so only the ballots that ranked the last winner first move on."""
        copy = object.__new__(RunoffCount)
        copy.matrix, copy.continuing = self.matrix, self.continuing.copy()
        copy.pos, copy.top = self.pos.copy(), self.top.copy()
        return copy

    def _alive(self, nominees: np.ndarray) -> np.ndarray:
        return np.append(self.continuing, False)[nominees]  # -1 (end of ranking) reads False

    def _settle(self, rows: np.ndarray) -> None:
        """Move these ballots' pointers forward to their first continuing nominee, or to the end."""
        width = self.matrix.shape[1]
        while rows.size:
            self.pos[rows] += 1
            ended = self.pos[rows] >= width
            self.top[rows[ended]] = -1
            rows = rows[~ended]
            candidates = self.matrix[rows, self.pos[rows]]
            self.top[rows] = candidates
            rows = rows[(candidates >= 0) & ~self._alive(candidates)]

    def votes(self) -> tuple[np.ndarray, int]:
        counted = self.top[self.top >= 0]
        return np.bincount(counted, minlength=len(self.continuing)), int(counted.size)

    def eliminate(self, nominee: int) -> None:
        self.continuing[nominee] = False
        self._settle(np.nonzero(self.top == nominee)[0])


def strongest_paths(d: list[list[int]]) -> list[list[int]]:
    """The strongest-path matrix of `d`, as `tally.strongest_paths` computes it: links where
    d[x][y] > d[y][x], then for each k, p[i][j] = max(p[i][j], min(p[i][k], p[k][j])) for
    i, j, k distinct. Row and column k do not change while k is the intermediate (p[k][k] is 0),
    so each step is one operation on the whole matrix; the diagonal stays 0."""
    m = len(d)
    links = np.array(d, dtype=np.int64).reshape(m, m)
    p = np.where(links > links.T, links, 0)
    diagonal = np.arange(m)
    p[diagonal, diagonal] = 0
    for k in range(m):
        np.maximum(p, np.minimum(p[:, k, None], p[None, k, :]), out=p)
        p[diagonal, diagonal] = 0
    return [[int(v) for v in row] for row in p]
