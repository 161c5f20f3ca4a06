"""The search passes with in-memory predicates: thousands of random cases in a few seconds.

Properties: only what passed is kept removed (soundness, also with flaky and interacting
predicates), everything removable goes when the predicate is monotone (completeness), protected
files never go, trial counts stay within the delta-debugging bounds, the cache is keyed by the
base tree's content.
"""
from __future__ import annotations

import math
import random

import pytest

from slim.prune import passes
from slim.prune.problem import Problem
from slim.prune.tree import Forest, WheelTree

SEEDS = range(400)      # x 10 tests: thousands of cases
PARALLEL_SEEDS = range(120)   # with jobs > 1 (thread hand-offs dominate the time)


def random_forest(rng: random.Random, n_wheels=2, max_files=16):
    trees = []
    for w in range(n_wheels):
        files = {}
        for i in range(rng.randint(1, max_files)):
            depth = rng.randint(0, 3)
            path = "/".join("d%d" % rng.randint(0, 2) for _ in range(depth))
            rel = (path + "/" if path else "") + "f%d_%d" % (w, i)
            files[rel] = rng.randint(1, 5000)
        prot = [r for r in files if rng.random() < 0.1]
        trees.append(WheelTree(w, "w%d" % w, files, prot))
    return Forest(trees)


def all_files(forest):
    return {(t.idx, r) for t in forest.trees for r in t.files}


def protected(forest):
    return {(t.idx, r) for t in forest.trees for r in t.protected}


def make_problem(pred, jobs=1):
    return Problem(lambda removed: (pred(removed), "" if pred(removed) else "fails"), jobs=jobs,
                   max_trials=10 ** 6)


S = passes.Settings(min_size=1, traced_min_size=1, use_trace=False)


@pytest.mark.parametrize("jobs", [1, 3])
def test_hdd_monotone_random(jobs):
    """Needed files are a random set: exactly the rest goes, within the ddmin-like bound."""
    for seed in SEEDS if jobs == 1 else PARALLEL_SEEDS:
        rng = random.Random(seed)
        f = random_forest(rng)
        files = all_files(f)
        needed = {x for x in files if rng.random() < 0.2}
        prob = make_problem(lambda removed: not (removed & needed), jobs)
        passes.hdd(f, prob, S)
        assert f.removed == files - needed - protected(f), seed
        n, k = max(2, len(files)), max(1, len(needed))
        assert prob.trials <= 4 * k * (math.log2(n) + 2) + 2 * n, (seed, prob.trials)


def test_hdd_nothing_needed_is_one_trial():
    for seed in SEEDS:
        f = random_forest(random.Random(seed))
        prob = make_problem(lambda removed: True)
        passes.hdd(f, prob, S)
        assert f.removed == all_files(f) - protected(f)
        assert prob.trials <= 1


def test_hdd_everything_needed_removes_nothing():
    for seed in SEEDS:
        f = random_forest(random.Random(seed))
        prob = make_problem(lambda removed: not removed)
        passes.hdd(f, prob, S)
        assert not f.removed
        assert prob.trials <= 2 * len(all_files(f)) + 1


@pytest.mark.parametrize("jobs", [1, 2, 4])
def test_hdd_interacting_deletions_stay_sound(jobs):
    """Pairs of files where either may go but not both (e.g. two copies of one library)."""
    for seed in SEEDS if jobs == 1 else PARALLEL_SEEDS:
        rng = random.Random(seed)
        f = random_forest(rng)
        files = sorted(all_files(f))
        pairs = [tuple(rng.sample(files, 2)) for _ in range(rng.randint(1, 3))] if len(files) > 1 else []

        def pred(removed):
            return not any(a in removed and b in removed for a, b in pairs)
        prob = make_problem(pred, jobs)
        passes.hdd(f, prob, S)
        assert pred(frozenset(f.removed)), seed
        for x in all_files(f) - f.removed - protected(f):    # 1-minimal: no kept file can go
            assert not pred(frozenset(f.removed | {x})), (seed, x)


def test_hdd_flaky_predicate_never_removes_needed():
    """Spurious failures (flaky smoke test): the search keeps more, never removes a needed file."""
    for seed in PARALLEL_SEEDS:
        rng = random.Random(seed)
        f = random_forest(rng)
        needed = {x for x in all_files(f) if rng.random() < 0.2}
        noise = random.Random(seed + 7)

        def test(removed):
            ok = not (removed & needed) and noise.random() > 0.3
            return ok, "" if ok else "flaky"
        prob = Problem(test, jobs=2, max_trials=10 ** 6)
        passes.hdd(f, prob, S)
        assert not (f.removed & needed), seed


def test_hdd_respects_the_trial_budget_and_min_size():
    rng = random.Random(1)
    f = random_forest(rng, max_files=40)
    prob = Problem(lambda r: (False, "no"), max_trials=5)
    passes.hdd(f, prob, S)
    assert prob.trials == 5 and not f.removed
    f = random_forest(random.Random(2))
    big = passes.Settings(min_size=10 ** 9, traced_min_size=10 ** 9, use_trace=False)
    prob = make_problem(lambda r: True)
    passes.hdd(f, prob, big)
    assert prob.trials == 0 and not f.removed


def test_traced_files_are_tried_alone_after_the_untraced_group():
    files = {"pkg/a.so": 5000, "pkg/b.py": 3000, "pkg/docs/x.txt": 4000, "pkg/docs/y.txt": 4000}
    f = Forest([WheelTree(0, "w", files)], traced={0: {"pkg/a.so", "pkg/b.py"}})
    order = []

    def test(removed):
        order.append(sorted(r for _, r in removed))
        return (0, "pkg/b.py") not in removed, ""
    passes.hdd(f, Problem(test), passes.Settings(min_size=1, traced_min_size=1, use_trace=True))
    assert order[0] == ["pkg/docs/x.txt", "pkg/docs/y.txt"]      # the untraced group first
    assert {r for _, r in f.removed} == {"pkg/docs/x.txt", "pkg/docs/y.txt", "pkg/a.so"}


def test_first_failure_is_the_literal_walk():
    for seed in SEEDS:
        rng = random.Random(seed)
        f = random_forest(rng)
        needed = {x for x in all_files(f) if rng.random() < 0.2}
        order = passes.first_failure_order(f, S)
        prob = make_problem(lambda removed: not (removed & needed), jobs=1 + (seed % 8 == 0))
        hit = passes.first_failure(f, prob, S)
        cut = next((i for i, x in enumerate(order) if x in needed), len(order))
        assert f.removed == set(order[:cut]), seed
        assert (hit is None) == (cut == len(order)) and (hit is None or hit[0] == order[cut])


def test_find_bad_strip_bisection():
    for seed in SEEDS:
        rng = random.Random(seed)
        items = list(range(rng.randint(0, 40)))
        bad = {i for i in items if rng.random() < 0.15}
        calls = []

        def ok(used):
            calls.append(used)
            return not (used & bad)
        found = passes.find_bad(items, ok)
        assert set(found) == bad, seed
        n, k = max(2, len(items)), max(1, len(bad))
        assert len(calls) <= 2 * k * math.ceil(math.log2(n)) + 1, (seed, len(calls))


def test_find_bad_interacting_pairs():
    """Items bad only together: the kept set passes, and adding any bad item back fails."""
    for seed in SEEDS:
        rng = random.Random(seed)
        items = list(range(rng.randint(2, 30)))
        pairs = [tuple(rng.sample(items, 2)) for _ in range(rng.randint(1, 3))]

        def ok(used):
            return not any(a in used and b in used for a, b in pairs)
        bad = passes.find_bad(items, ok)
        good = frozenset(items) - set(bad)
        assert ok(good), seed
        for b in bad:
            assert not ok(good | {b}), seed


def test_problem_cache_is_keyed_by_base_content():
    seen = []
    prob = Problem(lambda c: (seen.append(c) or True, ""), base_key="base-1")
    prob.is_interesting(frozenset({1}))
    prob.is_interesting(frozenset({1}))
    assert len(seen) == 1 and prob.cache_hits == 1
    prob.set_base("base-2")            # e.g. a file was restored after a failed strip
    prob.is_interesting(frozenset({1}))
    assert len(seen) == 2
