"""Checks converted ONNX models numerically against recorded reference outputs.

Every model gets a fixed, deterministic input (a pattern in the model's own layout and value
range); its outputs are sampled at evenly spaced positions and compared with the values in
reference_outputs.json, recorded once from the verified models (shared/models, SHA256SUMS).
A value passes when |new - reference| <= 1e-4 * max(1, |reference|).

  verify_models.py check MODEL_DIR [--dlib-reference FILE]   exit 1 on any mismatch
  verify_models.py record MODEL_DIR                          rewrite reference_outputs.json
"""
import json
import pathlib
import sys

import numpy as np
import onnxruntime as ort

HERE = pathlib.Path(__file__).resolve().parent
REFERENCE = HERE / "reference_outputs.json"
TOLERANCE = 1e-4
SAMPLES = 256


def pattern(rows, cols):
    """The synthetic RGB chip of models.md section 3.4: R=(7r+3c)%256, G=(5r+11c)%256, B=(13r+c)%256."""
    r = np.arange(rows).reshape(-1, 1)
    c = np.arange(cols).reshape(1, -1)
    return np.stack([(7 * r + 3 * c) % 256, (5 * r + 11 * c) % 256, (13 * r + c) % 256], axis=-1).astype(np.float32)


def nchw(rgb):
    return np.ascontiguousarray(rgb.transpose(2, 0, 1)[None])


NANODET_MEAN = np.array([103.53, 116.28, 123.675], np.float32)
NANODET_STD = np.array([57.375, 57.12, 58.395], np.float32)

# model file -> its fixed input, in the layout and range the model expects (models.md section 5)
INPUTS = {
    "centerface_dyn.onnx": lambda: nchw(pattern(96, 128)),
    "dlib_face_recognition_resnet_model_v1.onnx": lambda: nchw(pattern(150, 150)),
    "palm_detection_full.onnx": lambda: pattern(192, 192)[None] / 255.0,
    "palm_detection_lite.onnx": lambda: pattern(192, 192)[None] / 255.0,
    "hand_landmark_full.onnx": lambda: pattern(224, 224)[None] / 255.0,
    "hand_landmark_lite.onnx": lambda: pattern(224, 224)[None] / 255.0,
    "face_detection_short_range.onnx": lambda: pattern(128, 128)[None] / 127.5 - 1.0,
    "nanodet_m_416.onnx": lambda: nchw((pattern(416, 416)[..., ::-1] - NANODET_MEAN) / NANODET_STD),
}


def run(model_path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3  # NanoDet's unused BatchNorm counters warn at load
    session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: INPUTS[model_path.name]().astype(np.float32)}
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feed)))


def sample(values):
    flat = values.reshape(-1)
    positions = np.unique(np.linspace(0, flat.size - 1, min(SAMPLES, flat.size)).astype(np.int64))
    return positions.tolist(), flat[positions].astype(np.float64).tolist()


def record(model_dir):
    reference = {}
    for name in INPUTS:
        outputs = run(model_dir / name)
        reference[name] = {}
        for output, values in outputs.items():
            positions, sampled = sample(values)
            reference[name][output] = {"shape": list(values.shape), "positions": positions, "values": sampled}
        print(f"recorded {name}: {', '.join(outputs)}")
    REFERENCE.write_text(json.dumps(reference, indent=1) + "\n")


def check(model_dir, dlib_reference):
    reference = json.loads(REFERENCE.read_text())
    failures = 0
    for name, expected_outputs in reference.items():
        path = model_dir / name
        if not path.exists():
            print(f"MISSING {name}")
            failures += 1
            continue
        outputs = run(path)
        worst = 0.0
        for output, expected in expected_outputs.items():
            values = outputs.get(output)
            if values is None or list(values.shape) != expected["shape"]:
                print(f"FAIL {name}: output {output} missing or shaped {None if values is None else values.shape}")
                failures += 1
                continue
            got = values.reshape(-1)[expected["positions"]].astype(np.float64)
            want = np.array(expected["values"])
            scaled = np.abs(got - want) / np.maximum(1.0, np.abs(want))
            worst = max(worst, float(scaled.max()))
        status = "ok" if worst <= TOLERANCE else "FAIL"
        failures += status == "FAIL"
        print(f"{status:4} {name}: max scaled difference {worst:.2e} (tolerance {TOLERANCE:g})")
    if dlib_reference:
        embedding = run(model_dir / "dlib_face_recognition_resnet_model_v1.onnx")["embedding"][0]
        dlib_values = np.loadtxt(dlib_reference, dtype=np.float64)
        difference = float(np.abs(embedding - dlib_values).max())
        status = "ok" if difference <= TOLERANCE else "FAIL"
        failures += status == "FAIL"
        print(f"{status:4} dlib C++ vs ONNX embedding: max difference {difference:.2e}")
    return failures


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("check", "record"):
        sys.exit(__doc__)
    directory = pathlib.Path(sys.argv[2])
    if sys.argv[1] == "record":
        record(directory)
    else:
        dlib_file = sys.argv[sys.argv.index("--dlib-reference") + 1] if "--dlib-reference" in sys.argv else None
        sys.exit(1 if check(directory, dlib_file) else 0)
