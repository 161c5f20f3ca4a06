"""A reduction problem: is a candidate still interesting (does the smoke test still pass)?

``Problem`` wraps a predicate ``test(candidate) -> (ok, why)`` where a candidate is a
frozenset (of removed files, or of files kept unstripped) with

* a cache keyed by the content of the base tree *and* the candidate, so a base that changes
  (files restored after a failed strip) can never hit a stale answer;
* a trial budget (``max_trials``) and counters (trials run, cache hits);
* ``evaluate_many`` that runs up to ``jobs`` candidates at once (threads: each trial is a
  child process) and, on Ctrl-C/SIGTERM, kills the running children before re-raising.

It knows nothing of wheels or processes; the search passes (passes.py) are written against it
and are unit-tested with in-memory predicates.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, Hashable, List, Optional, Sequence, Tuple

Verdict = Tuple[bool, str]


class Problem:
    def __init__(self, test: Callable[[frozenset], Verdict], *, base_key: Hashable = "",
                 jobs: int = 1, max_trials: int = 1000,
                 on_abort: Optional[Callable[[], None]] = None):
        self._test = test
        self.base_key = base_key
        self.jobs = max(1, jobs)
        self.max_trials = max_trials
        self.on_abort = on_abort
        self.trials = 0
        self.cache_hits = 0
        self._cache: Dict[Hashable, Verdict] = {}
        self._lock = threading.Lock()
        self._pool: Optional[ThreadPoolExecutor] = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    @property
    def exhausted(self) -> bool:
        return self.trials >= self.max_trials

    def set_base(self, key: Hashable) -> None:
        """The base tree changed (e.g. files restored): answers for the old base stay apart."""
        self.base_key = key

    def is_interesting(self, candidate: frozenset) -> Verdict:
        key = (self.base_key, candidate)
        with self._lock:
            if key in self._cache:
                self.cache_hits += 1
                return self._cache[key]
            self.trials += 1
        verdict = self._test(candidate)
        with self._lock:
            self._cache[key] = verdict
        return verdict

    def evaluate_many(self, candidates: Sequence[frozenset]) -> List[Verdict]:
        if len(candidates) <= 1 or self.jobs == 1:
            return [self.is_interesting(c) for c in candidates]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.jobs)
        futs = [self._pool.submit(self.is_interesting, c) for c in candidates]
        try:
            return [f.result() for f in futs]
        except BaseException:    # Ctrl-C / SIGTERM: stop the running trials now
            if self.on_abort:
                self.on_abort()
            for f in futs:
                f.cancel()
            raise
