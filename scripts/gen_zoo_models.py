#!/usr/bin/env python3
"""Write the generated zoo: small standard nets converted by TensorFlow's own converter, in every quantization form.

    python3 scripts/gen_zoo_models.py              # all nets x all variants -> tests/data/zoo/<net>.<variant>.tflite
    python3 scripts/gen_zoo_models.py resnet unet  # some nets
    python3 scripts/gen_zoo_models.py --list

Nets: scripts/zoo_nets.py (MobileNetV1/V2/V3, EfficientNet-style, ResNet, U-Net, text CNN, transformer block,
LSTM fused and WHILE form, DS-CNN, autoencoder). Variants (TFLiteConverter settings):

  float32   plain conversion
  fp16      float16 weights (+ DEQUANTIZE), optimizations=DEFAULT, supported_types=[float16]
  dynamic   dynamic-range (hybrid) int8 weights: optimizations=DEFAULT, no representative data
  int8      full integer, float I/O: + representative dataset, supported_ops=[TFLITE_BUILTINS_INT8]
  int8io    full integer with int8 input and output (inference_input/output_type=int8; token ids stay int32)
  int16x8   int16 activations, int8 weights (EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8)

Weights are seeded (numpy, per net) with non-trivial biases, BatchNorm/LayerNorm parameters and statistics, so no
op is an identity; the representative datasets are seeded too (same distribution as the zoo's test inputs:
float32(u8 - 128) / 128, token ids in [0, 16)). A variant the converter refuses is listed in
tests/data/zoo/generated.json under "skipped" with its error. The TensorFlow venv is ``$SLIM_TFENV`` (default
``.cache/tfenv``), created on first use with TF_PACKAGES; the script re-executes itself there. CI never needs
TensorFlow: the .tflite files are committed.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "zoo"
TFENV = Path(os.environ.get("SLIM_TFENV", REPO / ".cache" / "tfenv"))
TF_PACKAGES = ["tensorflow==2.19.1", "tf-keras==2.19.0", "numpy==2.1.3"]
SEED = 20250707
VARIANTS = ["float32", "fp16", "dynamic", "int8", "int8io", "int16x8"]
REP_SAMPLES = 16


def ensure_tfenv() -> None:
    if os.environ.get("SLIM_IN_TFENV") == "1":
        return
    py = TFENV / "bin" / "python"
    if not py.exists():
        print(f"creating {TFENV} with {' '.join(TF_PACKAGES)}", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "venv", str(TFENV)])
        subprocess.check_call([str(py), "-m", "pip", "install", "-q", *TF_PACKAGES])
    env = dict(os.environ, SLIM_IN_TFENV="1", TF_CPP_MIN_LOG_LEVEL="3", TF_USE_LEGACY_KERAS="1",
               CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED="0")
    sys.exit(subprocess.call([str(py), os.path.abspath(__file__), *sys.argv[1:]], env=env))


def seed_weights(model, rng) -> None:
    """Every weight from a seeded numpy generator: He-scaled kernels, non-zero biases, BatchNorm statistics and
    LayerNorm parameters away from identity."""
    import numpy as np
    for w in model.weights:
        name, shape = w.name, tuple(w.shape)
        if "gamma" in name:
            v = rng.uniform(0.6, 1.4, shape)
        elif "beta" in name:
            v = rng.normal(0, 0.2, shape)
        elif "moving_mean" in name:
            v = rng.normal(0, 0.3, shape)
        elif "moving_variance" in name:
            v = rng.uniform(0.5, 2.0, shape)
        elif "bias" in name:
            v = rng.normal(0, 0.1, shape)
        elif "embeddings" in name:
            v = rng.normal(0, 1.0, shape)
        else:
            fan_in = int(np.prod(shape[:2] if "depthwise" in name else shape[:-1])) or 1
            v = rng.normal(0, np.sqrt(2.0 / fan_in), shape)
        w.assign(v.astype(np.float32))


def sample(rng, model):
    import numpy as np
    out = []
    for t in model.inputs:
        shape = [1] + list(t.shape[1:])
        if t.dtype.name.startswith("int"):
            out.append(rng.integers(0, 16, size=shape).astype(np.int32))
        else:
            out.append((rng.integers(0, 256, size=shape).astype(np.float32) - 128) / 128)
    return out


def convert(model, variant: str, rep_seed: int) -> bytes:
    import numpy as np
    import tensorflow as tf
    c = tf.lite.TFLiteConverter.from_keras_model(model)

    def representative():
        rng = np.random.default_rng(rep_seed)
        for _ in range(REP_SAMPLES):
            yield sample(rng, model)
    if variant != "float32":
        c.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "fp16":
        c.target_spec.supported_types = [tf.float16]
    elif variant in ("int8", "int8io"):
        c.representative_dataset = representative
        c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if variant == "int8io":  # token-id (int32) inputs stay int32: only float I/O becomes int8
            if not any(t.dtype.name.startswith("int") for t in model.inputs):
                c.inference_input_type = tf.int8
            c.inference_output_type = tf.int8
    elif variant == "int16x8":
        c.representative_dataset = representative
        c.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    return c.convert()


def child(net: str, variants: list[str]) -> None:
    """Build one net (fresh process: layer names and seeds do not depend on what ran before) and convert the
    given variants, one JSON line per variant on stdout."""
    import numpy as np
    import tf_keras as keras
    from zoo_nets import NETS
    net_seed = SEED ^ zlib.crc32(net.encode())
    keras.utils.set_random_seed(net_seed & 0x7FFFFFFF)
    model = NETS[net]()
    seed_weights(model, np.random.default_rng(net_seed))
    for variant in variants:
        mid = f"{net}.{variant}"
        print(json.dumps({"begin": mid}), flush=True)
        try:
            data = convert(model, variant, net_seed + 1)
        except Exception as e:  # noqa: BLE001 - the converter refused: record why
            msg = [ln for ln in str(e).strip().splitlines() if ln.strip()]
            print(json.dumps({"id": mid, "skipped": f"{type(e).__name__}: {(msg[0] if msg else '')[:300]}"}),
                  flush=True)
            continue
        (OUT / f"{mid}.tflite").write_bytes(data)
        print(json.dumps({"id": mid, "model": {"net": net, "variant": variant, "bytes": len(data),
                                               "sha256": hashlib.sha256(data).hexdigest(),
                                               "weights_seed": net_seed, "representative_seed": net_seed + 1}}),
              flush=True)


def convert_net(net: str, models: dict, skipped: dict) -> None:
    """Convert every variant of `net` in child processes; a variant that kills the converter is recorded."""
    todo = list(VARIANTS)
    for v in todo:
        models.pop(f"{net}.{v}", None)
        skipped.pop(f"{net}.{v}", None)
        (OUT / f"{net}.{v}.tflite").unlink(missing_ok=True)
    while todo:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", net, *todo],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        current = None
        for line in proc.stdout.splitlines():
            if not line.startswith("{"):  # TensorFlow's own prints
                continue
            r = json.loads(line)
            if "begin" in r:
                current = r["begin"]
                continue
            todo.remove(r["id"].split(".", 1)[1])
            current = None
            if "model" in r:
                models[r["id"]] = r["model"]
                print(f"{r['id']}: {r['model']['bytes'] / 1024:.1f} KB", file=sys.stderr)
            else:
                skipped[r["id"]] = r["skipped"]
                print(f"{r['id']}: skipped ({r['skipped'][:150]})", file=sys.stderr)
        if current:  # the converter died inside this variant
            skipped[current] = f"the converter process died (exit code {proc.returncode}) converting it"
            print(f"{current}: skipped ({skipped[current]})", file=sys.stderr)
            todo.remove(current.split(".", 1)[1])
        elif todo:
            raise SystemExit(f"{net}: converter child exited {proc.returncode} before converting {todo}")


def main() -> None:
    ensure_tfenv()
    if sys.argv[1:2] == ["--child"]:
        return child(sys.argv[2], sys.argv[3:])
    import numpy as np
    import tensorflow as tf
    import tf_keras as keras
    from zoo_nets import NETS
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    if "--list" in sys.argv:
        print("\n".join(f"{n}.{v}" for n in NETS for v in VARIANTS))
        return
    manifest_path = OUT / "generated.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    models, skipped = manifest.get("models", {}), manifest.get("skipped", {})
    OUT.mkdir(parents=True, exist_ok=True)
    for net in NETS:
        if not args or net in args:
            convert_net(net, models, skipped)
    doc = {"generator": "scripts/gen_zoo_models.py (nets: scripts/zoo_nets.py)", "tensorflow": tf.__version__,
           "tf_keras": keras.__version__, "numpy": np.__version__, "packages": TF_PACKAGES, "seed": SEED,
           "representative_samples": REP_SAMPLES, "variants": VARIANTS,
           "models": dict(sorted(models.items())), "skipped": dict(sorted(skipped.items()))}
    manifest_path.write_text(json.dumps(doc, indent=1) + "\n")
    total = sum(m["bytes"] for m in models.values())
    print(f"{len(models)} models, {total / 1024:.0f} KB; {len(skipped)} variants skipped", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
