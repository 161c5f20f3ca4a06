"""Search passes over a :class:`~slim.prune.tree.Forest` with a :class:`~slim.prune.problem.Problem`.

Each pass only calls ``problem.evaluate_many`` / ``is_interesting`` on frozensets of removed
files and changes the forest through ``accept``: no I/O, so they are unit-tested with
in-memory predicates (tests/slim/test_passes.py).

* :func:`hdd` -- hierarchical delta debugging: candidate groups largest first; first one
  group of everything the traced baseline never touched (an ordering hint, never proof), a
  group that fails is split in halves, a directory that fails is replaced by its children, a
  file that fails stays; then each large traced file alone.  Up to ``jobs`` groups are tried
  at once against the deletions proven so far; when several pass, their union is tried before
  it is kept (interacting deletions).
* :func:`first_failure` -- the literal walk: delete files biggest first (untraced before
  traced), re-test after each, stop at the first failing deletion.
* :func:`find_bad` -- strip bisection: which items (stripped files) must be left out so that
  the rest passes together; adaptive halving, greedy on what already passed.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

from .problem import Problem
from .tree import Forest, NodeKey

Report = Callable[[Sequence[NodeKey], bool, str], None]


@dataclass
class Settings:
    min_size: int = 16 * 1024          # no trials on groups smaller than this
    traced_min_size: int = 64 * 1024   # ... or traced files smaller than this
    use_trace: bool = True


@dataclass(order=True)
class Group:
    prio: float
    seq: int
    nodes: Tuple[NodeKey, ...] = field(compare=False)
    kind: str = field(compare=False, default="split")   # "split" | "traced"


def _nothing(nodes, ok, why) -> None:
    pass


class _Heap:
    def __init__(self, forest: Forest, s: Settings):
        self.forest, self.s = forest, s
        self.items: List[Group] = []
        self.seq = itertools.count()
        self.kept: List[NodeKey] = []        # single nodes that had to stay

    def push(self, nodes, kind: str = "split") -> None:
        f = self.forest
        nodes = tuple(n for n in nodes if f.live_size([n]) > 0)
        if not nodes:
            return
        size = f.live_size(nodes)
        if size < (self.s.traced_min_size if kind == "traced" else self.s.min_size):
            return
        heapq.heappush(self.items, Group(-size, next(self.seq), nodes, kind))

    def split(self, g: Group) -> None:
        f = self.forest
        nodes = list(g.nodes)
        if len(nodes) > 1:
            nodes.sort()
            sizes = [f.live_size([n]) for n in nodes]
            half, acc, cut = sum(sizes) / 2.0, 0, 1
            for i, s in enumerate(sizes):
                acc += s
                if acc >= half:
                    cut = max(1, min(len(nodes) - 1, i if acc - s >= half / 2 and i > 0 else i + 1))
                    break
            self.push(nodes[:cut], g.kind)
            self.push(nodes[cut:], g.kind)
            return
        (w, rel) = nodes[0]
        t = f.trees[w]
        if t.is_dir.get(rel) and g.kind != "traced":
            kids = [(w, c) for c in t.children.get(rel, []) if not t.node_protected(c)]
            big = [k for k in kids if f.live_size([k]) >= self.s.min_size]
            small = [k for k in kids if k not in big]
            for k in big:
                self.push([k], g.kind)
            if small:
                self.push(small, g.kind)
        else:
            self.kept.append(nodes[0])

    def pop_batch(self, n: int) -> List[Group]:
        batch = []
        f = self.forest
        while self.items and len(batch) < n:
            g = heapq.heappop(self.items)
            live = tuple(x for x in g.nodes if f.live_size([x]) > 0)
            if not live:
                continue
            if len(live) != len(g.nodes):
                self.push(live, g.kind)
                continue
            batch.append(g)
        return batch


def initial_groups(forest: Forest, s: Settings) -> _Heap:
    heap = _Heap(forest, s)
    untraced, traced = [], []
    for t in forest.trees:
        def ok(rel, t=t):
            return not t.node_protected(rel) and not (s.use_trace and forest.is_traced(t.idx, rel))
        untraced += [(t.idx, rel) for rel in t.maximal("", ok)]
        if s.use_trace:
            tr = forest.traced.get(t.idx, ())
            traced += [(t.idx, rel) for rel in t.files if rel not in t.protected and rel in tr]
    if untraced:
        heap.push(untraced)
    for n in traced:
        heap.push([n], "traced")
    return heap


def hdd(forest: Forest, problem: Problem, s: Settings, report: Report = _nothing) -> _Heap:
    """Hierarchical delta debugging (see the module doc); returns the heap (what is left)."""
    heap = initial_groups(forest, s)
    while heap.items and not problem.exhausted:
        batch = heap.pop_batch(problem.jobs)
        if not batch:
            break
        res = problem.evaluate_many([forest.with_(g.nodes) for g in batch])
        passed = [g for g, (ok, _) in zip(batch, res) if ok]
        for g, (ok, why) in zip(batch, res):
            if not ok:
                report(g.nodes, False, why)
                heap.split(g)
        if len(passed) > 1:
            union = [n for g in passed for n in g.nodes]
            ok, why = problem.is_interesting(forest.with_(union))
            if ok:
                forest.accept(union)
                for g in passed:
                    report(g.nodes, True, "")
            else:
                forest.accept(passed[0].nodes)
                report(passed[0].nodes, True, "")
                for g in passed[1:]:      # retry on the new base
                    heap.push(g.nodes, g.kind)
        elif passed:
            forest.accept(passed[0].nodes)
            report(passed[0].nodes, True, "")
    return heap


def first_failure_order(forest: Forest, s: Settings) -> List[NodeKey]:
    order = []
    for t in forest.trees:
        tr = forest.traced.get(t.idx, set())
        for rel, size in t.files.items():
            if rel not in t.protected and size >= s.min_size:
                order.append(((rel in tr), -size, t.idx, rel))
    return [(w, rel) for _, _, w, rel in sorted(order)]


def first_failure(forest: Forest, problem: Problem, s: Settings,
                  report: Report = _nothing) -> Optional[Tuple[NodeKey, str]]:
    """The literal walk; returns (first failing file, why) or None when all could go."""
    order = first_failure_order(forest, s)
    i = 0
    while i < len(order) and not problem.exhausted:
        chunk = order[i:i + problem.jobs]
        res = problem.evaluate_many([forest.with_(order[i:i + k + 1]) for k in range(len(chunk))])
        for k, (ok, why) in enumerate(res):
            report([chunk[k]], ok, why)
            if not ok:
                return chunk[k], why
            forest.accept([chunk[k]])
        i += len(chunk)
    return None


def find_bad(items: Sequence, passes: Callable[[frozenset], bool]) -> List:
    """Items to leave out so that the others pass together (strip bisection).

    ``passes(subset)`` says whether applying exactly ``subset`` passes.  Adaptive halving:
    a chunk that passes together with what already passed is kept; one that fails is split;
    a single failing item is bad.  The kept set passes (the last kept test passed with it), and
    each bad item fails when added to it.  All good: one call; k bad of n: O(k log n) calls.
    """
    good: List = []
    bad: List = []

    def rec(chunk: List) -> None:
        if not chunk:
            return
        if passes(frozenset(good + chunk)):
            good.extend(chunk)
            return
        if len(chunk) == 1:
            bad.append(chunk[0])
            return
        half = len(chunk) // 2
        rec(chunk[:half])
        rec(chunk[half:])

    rec(list(items))
    return bad
