"""The candidates of a prune: every wheel's files as a tree of directories and files.

Pure data (no I/O): built from ``{relative path: size}``, so the search passes can be tested
with in-memory trees.  A node is ``(wheel index, relative path)`` of a file or directory.
"""
from __future__ import annotations

import fnmatch
from typing import Dict, Iterable, List, Sequence, Set, Tuple

NodeKey = Tuple[int, str]
ALWAYS_KEEP = ("METADATA", "WHEEL", "RECORD")


def matches(rel: str, patterns: Sequence[str]) -> bool:
    """A path matches when the pattern matches it or one of its parent directories."""
    if not patterns:
        return False
    parts = rel.split("/")
    cands = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return any(fnmatch.fnmatchcase(c, p) or fnmatch.fnmatchcase(c + "/", p)
               for p in patterns for c in cands)


def ancestors(rel: str) -> List[str]:
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


class WheelTree:
    """One wheel's files: sizes, directory index, protected files (kept whatever happens)."""

    def __init__(self, idx: int, name: str, files: Dict[str, int], protected: Iterable[str] = ()):
        self.idx = idx
        self.name = name
        self.files: Dict[str, int] = dict(files)              # rel -> size
        self.children: Dict[str, List[str]] = {"": []}        # dir rel ("" = root) -> child rels
        self.under: Dict[str, List[str]] = {"": []}           # dir rel -> all files below
        self.is_dir: Dict[str, bool] = {"": True}
        for rel in sorted(self.files):
            parts = rel.split("/")
            for i in range(1, len(parts) + 1):
                node = "/".join(parts[:i])
                parent = "/".join(parts[:i - 1])
                if node not in self.is_dir:
                    self.is_dir[node] = i < len(parts)
                    self.children.setdefault(parent, []).append(node)
                if i < len(parts):
                    self.children.setdefault(node, [])
                    self.under.setdefault(node, []).append(rel)
            self.under[""].append(rel)
        self.protected: Set[str] = set(protected) & set(self.files)

    @classmethod
    def for_wheel(cls, idx: int, name: str, dist_info: str, files: Dict[str, int],
                  keep: Sequence[str] = ()) -> "WheelTree":
        """The wheel's ``.dist-info`` and ``--keep`` matches are protected."""
        prot = [r for r in files if r.startswith(dist_info + "/") or matches(r, keep)]
        return cls(idx, name, files, prot)

    def node_files(self, rel: str) -> List[str]:
        return self.under[rel] if self.is_dir.get(rel) else [rel]

    def node_size(self, rel: str) -> int:
        return sum(self.files[f] for f in self.node_files(rel))

    def node_protected(self, rel: str) -> bool:
        return any(f in self.protected for f in self.node_files(rel))

    def maximal(self, rel: str, pred) -> List[str]:
        """Maximal nodes below ``rel`` (exclusive) whose whole content satisfies pred."""
        out = []
        for c in self.children.get(rel, []):
            if pred(c):
                out.append(c)
            elif self.is_dir[c]:
                out.extend(self.maximal(c, pred))
        return out


class Forest:
    """All wheels' trees + which files are removed so far (the state of the search)."""

    def __init__(self, trees: Sequence[WheelTree], traced: Dict[int, Set[str]] = None):
        self.trees = list(trees)
        self.traced = traced or {}
        self.removed_nodes: Set[NodeKey] = set()
        self.removed: Set[NodeKey] = set()            # files (wheel, rel)

    def files_of(self, nodes: Iterable[NodeKey]) -> Set[NodeKey]:
        return {(w, f) for (w, rel) in nodes for f in self.trees[w].node_files(rel)}

    def live_size(self, nodes: Iterable[NodeKey]) -> int:
        """Bytes of these nodes not removed yet (nodes do not overlap: none is inside another)."""
        tot, removed = 0, self.removed
        for (w, rel) in nodes:
            t = self.trees[w]
            for f in t.node_files(rel):
                if (w, f) not in removed:
                    tot += t.files[f]
        return tot

    def size_of(self, files: Iterable[NodeKey]) -> int:
        return sum(self.trees[w].files[f] for (w, f) in files)

    def with_(self, nodes: Iterable[NodeKey]) -> frozenset:
        """The removed files if ``nodes`` were removed too."""
        return frozenset(self.removed | self.files_of(nodes))

    def accept(self, nodes: Iterable[NodeKey]) -> None:
        nodes = list(nodes)
        self.removed_nodes.update(nodes)
        self.removed |= self.files_of(nodes)

    def saved(self) -> int:
        return self.size_of(self.removed)

    def is_traced(self, w: int, rel: str) -> bool:
        tr = self.traced.get(w)
        return bool(tr) and any(f in tr for f in self.trees[w].node_files(rel))

    def label(self, nodes: Sequence[NodeKey]) -> str:
        if len(nodes) == 1:
            w, rel = nodes[0]
            return rel + ("/" if self.trees[w].is_dir.get(rel) else "")
        return "%d paths (%s, ...)" % (len(nodes), nodes[0][1])

    def top_removed(self, w: int) -> List[str]:
        """Removed nodes of wheel ``w`` that are not inside another removed node."""
        return sorted(rel for (x, rel) in self.removed_nodes if x == w
                      and not any((w, a) in self.removed_nodes for a in ancestors(rel)))
