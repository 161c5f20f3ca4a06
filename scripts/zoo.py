#!/usr/bin/env python3
"""The model zoo: real public models and the generated suite, run in slimrt and in the official runtime.

    python scripts/zoo.py list                    # every zoo model: source, origin, reference status
    python scripts/zoo.py fetch                   # download the pinned wheels, extract their models (.cache)
    python scripts/zoo.py refs                    # compute missing official references (ai-edge-litert, refenv)
    python scripts/zoo.py compare MODEL [...]     # slimrt vs the official runtime, per output
    python scripts/zoo.py census [--json F]       # which models fail on which missing op/type/version
    python scripts/zoo.py gaps [--write]          # the known-gaps list (tests/data/zoo/known_gaps.json)

MODEL is a zoo id (``mediapipe/face_landmark``, ``gen/resnet.int8``), a unique stem (``face_landmark``) or
the path of any .tflite file. References come from ai-edge-litert's reference kernels (bit-exact expected
for integer outputs) and, for float outputs, its builtin and XNNPACK kernels (tolerance: see
scripts/zoo_refs.py). Run it with the project's venv (`.venv/bin/python`), which has slimrt; the official
runtime runs in the refenv ($SLIM_REFENV, created on first use). Exit code: 0 when everything compared
matches, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from zoo_run import check_all, ensure_refs, load_refs, max_errors, normalize_error, refs_dir, run, taps_refs  # noqa: E402
from zoo_sources import KNOWN_GAPS_JSON, ZooModel, all_models, find, known_gaps, sha256_file  # noqa: E402


def slimrt_interpreter(**kw):
    from slimrt.interpreter import Interpreter
    return Interpreter(**kw)


def resolve(name: str) -> ZooModel:
    m = find(name)
    if m:
        return m
    p = Path(name)
    if p.is_file():
        return ZooModel(f"file/{p.name}", "file", p.resolve(), sha256_file(p), str(p))
    same = [z.id for z in all_models() if z.id.split("/", 1)[1] == name]
    if same:
        raise SystemExit(f"zoo: {name!r} is ambiguous: {', '.join(same)}")
    raise SystemExit(f"zoo: {name!r} is neither a zoo model id/stem nor a file (see: python scripts/zoo.py list)")


def gap_of(exc: BaseException) -> str:
    """A slimrt error as a short gap name: 'SHAPE', 'ADD int8', 'DEPTHWISE_CONV_2D v6', 'CUSTOM:X', or the
    message without node numbers."""
    msg = normalize_error(str(exc)) or type(exc).__name__
    m = re.match(r"op (\w+) \(builtin code \d+, node N\) is not supported", msg)
    if m:
        return m.group(1)
    m = re.match(r"(\w+) \(node N\) with (\w+) input is not supported", msg)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    m = re.match(r"(\w+) \(node N\) version (\d+) is not supported", msg)
    if m:
        return f"{m.group(1)} v{m.group(2)}"
    m = re.match(r"(\w+) \(node N\): filter '.*' must be float32, got (\w+)", msg)
    if m:
        return f"{m.group(1)} hybrid ({m.group(2)} filter)"
    m = re.match(r"custom op '([^']*)' \(node N\) is not supported", msg)
    if m:
        return f"CUSTOM:{m.group(1)}"
    return msg[:120]


def check(model: ZooModel) -> dict:
    """Run one model in slimrt against its references: {"status": match|mismatch|blocked|no-official, ...}."""
    refs = load_refs(model)
    if refs.official_error:
        return {"status": "no-official", "detail": refs.official_error}
    try:
        steps, after = run(slimrt_interpreter, refs)
    except Exception as e:  # noqa: BLE001 - reported, not raised
        return {"status": "blocked", "gap": gap_of(e), "error": normalize_error(str(e)),
                "valueerror": isinstance(e, ValueError), "detail": f"{type(e).__name__}: {e}"}
    problems = check_all(slimrt_interpreter, refs, steps, after)
    taps = taps_refs(refs)
    return {"status": "mismatch" if problems else "match", "problems": problems,
            "errors": max_errors(refs, steps) + (max_errors(taps, run(slimrt_interpreter, taps)[0]) if taps else [])}


def cmd_list(args) -> int:
    gaps = known_gaps()
    for m in all_models():
        ref = "refs cached" if (refs_dir(m) / "refs.json").exists() else "no refs yet"
        gap = f"  known gap: {gaps[m.id]['error']}" if m.id in gaps else ""
        print(f"{m.id:48s} {ref:12s} {m.origin}{gap}")
    return 0


def cmd_fetch(args) -> int:
    from zoo_sources import fetch
    models = fetch()
    print(f"{len(models)} wheel models in the zoo cache")
    return 0


def cmd_refs(args) -> int:
    ensure_refs(all_models())
    return 0


def cmd_compare(args) -> int:
    models = [resolve(n) for n in args.models]
    ensure_refs(models)
    rc = 0
    for m in models:
        r = check(m)
        print(f"== {m.id} ({m.path})")
        if r["status"] == "no-official":
            print(f"   the official runtime cannot run it: {r['detail']}")
            try:
                slimrt_interpreter(model_path=str(m.path)).allocate_tensors()
                print("   slimrt: loads and allocates (nothing to compare with)")
            except Exception as e:  # noqa: BLE001 - reported
                print(f"   slimrt: {type(e).__name__}: {e}")
            continue
        if r["status"] == "blocked":
            print(f"   slimrt fails: {r['detail']}")
            rc = 1
            continue
        for name, err, tol in r["errors"]:
            kind = "bit-exact expected" if tol == 0 else f"tol {tol:.3g}"
            verdict = "ok" if err <= tol else "MISMATCH"
            short = name if len(name) <= 40 else name[:18] + ".." + name[-20:]
            print(f"   {short:40s} max|err| {err:<12.6g} {kind:22s} {verdict}")
        for p in r["problems"][:args.max_problems]:
            print("   " + p)
        rc |= r["status"] != "match"
        print(f"   -> {r['status']}")
    return rc


def survey(models: list[ZooModel], quiet: bool) -> dict:
    ensure_refs(models, quiet=quiet)
    results = {}
    for i, m in enumerate(models):
        results[m.id] = check(m)
        if not quiet:
            r = results[m.id]
            print(f"[{i + 1}/{len(models)}] {m.id}: {r['status']} {r.get('gap', '')}", file=sys.stderr)
    return results


def cmd_census(args) -> int:
    models = all_models()
    results = survey(models, args.quiet)
    per_source = defaultdict(lambda: {"tried": 0, "official": 0, "match": 0})
    blocked_by = defaultdict(list)
    for m in models:
        r = results[m.id]
        s = per_source[m.source]
        s["tried"] += 1
        s["official"] += r["status"] != "no-official"
        s["match"] += r["status"] == "match"
        if r["status"] == "blocked":
            blocked_by[r["gap"]].append(m.id)
        elif r["status"] == "mismatch":
            blocked_by["(runs, but outputs differ)"].append(m.id)
    print(f"{'source':16s} {'tried':>5s} {'official runs':>13s} {'slimrt matches':>14s}")
    for src, s in per_source.items():
        print(f"{src:16s} {s['tried']:5d} {s['official']:13d} {s['match']:14d}")
    tot = {k: sum(s[k] for s in per_source.values()) for k in ("tried", "official", "match")}
    print(f"{'total':16s} {tot['tried']:5d} {tot['official']:13d} {tot['match']:14d}\n")
    print("first blocking gap per model (slimrt stops at the first), by how many models it blocks:")
    for gap, ids in sorted(blocked_by.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"  {len(ids):3d}  {gap:32s} {', '.join(ids)}")
    print_gap_table(models, results)
    no_off = [(mid, r["detail"]) for mid, r in results.items() if r["status"] == "no-official"]
    if no_off:
        print("\nskipped, the official runtime cannot run them:")
        for mid, why in no_off:
            print(f"  {mid}: {why}")
    if args.json:
        Path(args.json).write_text(json.dumps({"per_source": per_source, "blocked_by": blocked_by,
                                               "results": results}, indent=1, default=str) + "\n")
    return 0


def probe_gaps(model: ZooModel, result: dict) -> tuple[set, set]:
    """(gaps, unprobed): what slimrt refuses among the model's single-op probes (zoo_probe.py), plus the
    whole-model first gap; signatures whose probe was not conclusive (not cut out, or failing for another reason,
    e.g. a shape that only the whole graph determines) go to unprobed."""
    gaps, unprobed = set(), set()
    if result["status"] == "blocked":
        gaps.add(result["gap"])
    d = refs_dir(model) / "probes"
    if not (d / "probes.json").exists():
        return gaps, unprobed
    for key, p in json.loads((d / "probes.json").read_text()).items():
        if not p["file"]:
            unprobed.add(p["signature"])
            continue
        try:
            slimrt_interpreter(model_path=str(d / p["file"])).allocate_tensors()
        except Exception as e:  # noqa: BLE001 - classified below
            gap = gap_of(e)
            if "not supported" in str(e) or "must be float32" in str(e):
                gaps.add(gap)
            else:
                unprobed.add(p["signature"])
    return gaps, unprobed


def print_gap_table(models: list[ZooModel], results: dict) -> None:
    """Every gap (op, type or version slimrt refuses) by how many not-yet-running models need it."""
    need, unknown = defaultdict(list), defaultdict(list)
    for m in models:
        r = results[m.id]
        if r["status"] in ("match",):
            continue
        gaps, unprobed = probe_gaps(m, r)
        for g in gaps:
            need[g].append(m.id)
        for sig in unprobed:
            if not any(sig.startswith(g.split(" ")[0] + " ") for g in gaps):  # not already a known gap
                unknown[sig].append(m.id)
    print("\nevery gap, by how many models need it (each op of each model probed alone in slimrt; "
          "models the official runtime cannot run included, marked *):")
    no_off = {mid for mid, r in results.items() if r["status"] == "no-official"}
    for gap, ids in sorted(need.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"  {len(ids):3d}  {gap:32s} {', '.join(i + ('*' if i in no_off else '') for i in ids)}")
    if unknown:
        print("\nnot decidable op by op (calls subgraphs, resource variables, or a shape only the whole graph "
              "gives): " + ", ".join(f"{s} ({len(ids)})" for s, ids in sorted(unknown.items())))


def cmd_gaps(args) -> int:
    """The known-gaps list as slimrt stands: every model slimrt refuses with a ValueError (today's first error)."""
    results = survey(all_models(), args.quiet)
    gaps = {mid: {"op": r["gap"].split(" ")[0].replace("CUSTOM:", ""), "gap": r["gap"], "error": r["error"]}
            for mid, r in results.items() if r["status"] == "blocked" and r["valueerror"]}
    others = {mid: r for mid, r in results.items() if r["status"] == "mismatch" or
              (r["status"] == "blocked" and not r["valueerror"])}
    for mid, g in gaps.items():
        print(f"{mid:48s} {g['error']}")
    for mid, r in others.items():
        print(f"NOT A GAP (a bug to fix, not listed): {mid}: {r.get('detail') or r['problems'][:1]}")
    if args.write:
        doc = {"note": "Models slimrt cannot run yet: the op its ValueError at allocate_tensors() names, the gap "
                       "(op + type/version) and today's message (node numbers normalized). Written by `python "
                       "scripts/zoo.py gaps --write`; tests/engine/test_zoo.py requires each to still fail cleanly "
                       "with a ValueError naming that op, and fails when one starts working.",
               "gaps": dict(sorted(gaps.items()))}
        KNOWN_GAPS_JSON.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {len(gaps)} gaps to {KNOWN_GAPS_JSON}")
    return 1 if others else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="zoo.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="every zoo model, its origin and reference status").set_defaults(fn=cmd_list)
    sub.add_parser("fetch", help="download the pinned wheels and extract their models").set_defaults(fn=cmd_fetch)
    sub.add_parser("refs", help="compute the missing official references").set_defaults(fn=cmd_refs)
    p = sub.add_parser("compare", help="slimrt vs the official runtime, per output")
    p.add_argument("models", nargs="+", metavar="MODEL", help="zoo id, unique stem, or a .tflite path")
    p.add_argument("--max-problems", type=int, default=10, help="mismatch lines to print per model (10)")
    p.set_defaults(fn=cmd_compare)
    p = sub.add_parser("census", help="which models fail on which missing op/type/version")
    p.add_argument("--json", metavar="FILE", help="also write the full results as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-model progress")
    p.set_defaults(fn=cmd_census)
    p = sub.add_parser("gaps", help="the known-gaps list: models slimrt refuses today, with its error")
    p.add_argument("--write", action="store_true", help="write it to tests/data/zoo/known_gaps.json")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-model progress")
    p.set_defaults(fn=cmd_gaps)
    args = ap.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
