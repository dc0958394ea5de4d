"""Times one ONNX model with Python onnxruntime on a given input tensor, the way
`mm-bench vision` times it from Rust: same library version, threads and optimisation level.

Usage: ort_latency.py MODEL TENSOR.f32 DIM,DIM,... RUNS THREADS  -> prints JSON
"""
import json
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort

model, tensor_path, dims, runs, threads = sys.argv[1:6]
shape = [int(d) for d in dims.split(",")]
tensor = np.fromfile(tensor_path, dtype="<f4").reshape(shape)
options = ort.SessionOptions()
options.intra_op_num_threads = int(threads)
options.inter_op_num_threads = 1
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
options.log_severity_level = 3
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
feed = {session.get_inputs()[0].name: tensor}
for _ in range(3):
    session.run(None, feed)
times = []
for _ in range(int(runs)):
    started = time.perf_counter()
    session.run(None, feed)
    times.append((time.perf_counter() - started) * 1000.0)
times.sort()
print(json.dumps({
    "median_ms": statistics.median(times),
    "p90_ms": times[int(0.9 * (len(times) - 1))],
    "onnxruntime": ort.__version__,
}))
