"""The prune report: a dict (``--json``) and its human table."""
from __future__ import annotations

import time

from ..report import human_size, pct, table


def build_report(pruner, written) -> dict:
    f = pruner.forest
    wheels = []
    for i, (w, p) in enumerate(zip(pruner.wheels, written)):
        t = f.trees[i]
        gone = {rel for (x, rel) in f.removed if x == i}
        removed = sorted(({"path": r + ("/" if t.is_dir.get(r) else ""), "size": t.node_size(r)}
                          for r in f.top_removed(i)), key=lambda d: -d["size"])
        removed += [{"path": r, "size": w.files[r].size, "dropped": True} for r in pruner.dropped[i]]
        strip = pruner.strip_results.get(i, [])
        wheels.append({
            "input": str(w.path), "output": None, "name": w.name, "version": w.version,
            "filename": w.filename,
            "compressed_before": w.compressed_size, "compressed_after": p.stat().st_size,
            "installed_before": w.installed_size,
            "installed_after": sum(s for r, s in t.files.items() if r not in gone),
            "files_before": len(w.files), "files_after": len(t.files) - len(gone),
            "stripped": [r.to_dict() for r in strip if r.status in ("stripped", "zeroed")],
            "kept_unstripped": [r.to_dict() for r in strip if r.status in ("kept-original", "no-tool")],
            "removed": removed,
        })
    o = pruner.opts
    return {
        "mode": "first-failure" if o.first_failure else "hdd",
        "smoke": {"models": [str(m) for m in o.models], "cmd": o.smoke_cmd, "seed": o.seed,
                  "invokes": o.invokes},
        "jobs": o.jobs, "trials": pruner.trials,
        "cache_hits": pruner.problem.cache_hits + sum(p.cache_hits for p in pruner.side_problems),
        "wall_seconds": round(time.monotonic() - pruner.t0, 2),
        "wheels": wheels,
        "failed_trials": pruner.failures,
    }


def format_report(rep: dict) -> str:
    rows = []
    for w in rep["wheels"]:
        rows.append([w["filename"],
                     human_size(w["compressed_before"]), human_size(w["compressed_after"]),
                     pct(w["compressed_before"], w["compressed_after"]),
                     human_size(w["installed_before"]), human_size(w["installed_after"]),
                     pct(w["installed_before"], w["installed_after"]),
                     "%d/%d" % (w["files_after"], w["files_before"])])
    out = [table(rows, ["wheel", "whl before", "whl after", "", "installed before",
                        "installed after", "", "files"])]
    for w in rep["wheels"]:
        if w["stripped"] or w["kept_unstripped"]:
            out.append("\n%s: stripped %d binaries (-%s)%s" % (
                w["name"], len(w["stripped"]), human_size(sum(s["saved"] for s in w["stripped"])),
                "".join("\n  kept unstripped %s: %s" % (k["path"], k["reason"][:100])
                        for k in w["kept_unstripped"])
                + "".join("\n  symbols zeroed in place (a real strip breaks its PT_LOAD alignment): %s"
                          % k["path"] for k in w["stripped"] if k["status"] == "zeroed")))
        if w["removed"]:
            out.append("%s: biggest removed paths" % w["name"])
            for r in w["removed"][:12]:
                out.append("  %10s  %s%s" % (human_size(r["size"]), r["path"],
                                             " (--drop)" if r.get("dropped") else ""))
            if len(w["removed"]) > 12:
                out.append("  ... and %d more" % (len(w["removed"]) - 12))
    out.append("\nmode %s: %d trials (%d cached), %d jobs, wall time %.1fs" % (
        rep["mode"], rep["trials"], rep["cache_hits"], rep["jobs"], rep["wall_seconds"]))
    for w in rep["wheels"]:
        if w["output"]:
            out.append("wrote %s" % w["output"])
    return "\n".join(out)
