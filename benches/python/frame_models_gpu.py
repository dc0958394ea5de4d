"""GPU check of the frame-input models (`scripts/models/frame_models.py`) with ONNX Runtime's
CUDA provider: the frame lies in page-aligned host memory registered with CUDA (as the inference
node registers its shared-memory frame slots) and is bound as a CUDA input in place.

Per model it prints the largest difference from the CPU provider and p50/p99 latency of
(a) the original model fed a host float tensor (pre-processing done elsewhere, on the CPU),
(b) the frame model fed the frame from pageable host memory (ONNX Runtime copies it up),
(c) the frame model reading the registered frame in place.

usage: frame_models_gpu.py DIR   (DIR holds obama.jpg and the *.onnx/*_frame.onnx models;
needs onnxruntime-gpu, cupy, pillow and a GPU; see docs/BENCHMARKS.md for how it was run)
"""
import ctypes, mmap, time, sys, numpy as np, onnxruntime as ort, cupy
from PIL import Image
print("ort", ort.__version__, ort.get_available_providers(), flush=True)
D = sys.argv[1]
H, W = 720, 1280
buf = mmap.mmap(-1, H * W * 3)
frame = np.frombuffer(buf, np.uint8).reshape(H, W, 3)
frame[:] = np.asarray(Image.open(f"{D}/obama.jpg").convert("RGB").resize((W, H)))
ptr = frame.ctypes.data
cupy.cuda.runtime.hostRegister(ptr, H * W * 3, 3)
_d = ctypes.c_void_p(); assert ctypes.CDLL('libcudart.so.13').cudaHostGetDevicePointer(ctypes.byref(_d), ctypes.c_void_p(ptr), 0) == 0
dptr = _d.value
print("registered", hex(ptr), "->", hex(dptr), flush=True)
so = ort.SessionOptions(); so.log_severity_level = 3
CU = [("CUDAExecutionProvider", {"device_id": 0}), "CPUExecutionProvider"]
def small(sizes, pads, mean, scale, ch):
    return {"frame_sizes": np.array(sizes, np.int64), "frame_pads": np.array(pads, np.int64),
            "frame_mean": np.array(mean, np.float32), "frame_scale": np.array(scale, np.float32),
            "frame_channels": np.array(ch, np.int64)}
cases = {
  "centerface_dyn": small([1,3,384,640],[0]*8,[0,0,0],[1,1,1],[0,1,2]),
  "palm_detection_full": small([1,3,108,192],[0,0,42,0,0,0,42,0],[0,0,0],[1/255]*3,[0,1,2]),
  "nanodet_m_416": small([1,3,416,416],[0]*8,[103.53,116.28,123.675],[1/57.375,1/57.12,1/58.395],[2,1,0]),
}
def timeit(f, n=200):
    for _ in range(10): f()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append((time.perf_counter() - t) * 1e3)
    ts.sort(); return ts[len(ts)//2], ts[int(len(ts)*0.99)]
for name, extra in cases.items():
    fm = ort.InferenceSession(f"{D}/{name}_frame.onnx", so, providers=CU)
    cpu = ort.InferenceSession(f"{D}/{name}_frame.onnx", so, providers=["CPUExecutionProvider"])
    orig = ort.InferenceSession(f"{D}/{name}.onnx", so, providers=CU)
    print(name, "providers", fm.get_providers()[:1], flush=True)
    feeds = dict(extra, frame=frame)
    ref = cpu.run(None, feeds)
    io = fm.io_binding()
    io.bind_input("frame", "cuda", 0, np.uint8, [H, W, 3], dptr)
    for k, v in extra.items(): io.bind_cpu_input(k, v)
    for o in fm.get_outputs(): io.bind_output(o.name, "cpu")
    def inplace():
        fm.run_with_iobinding(io); return io.copy_outputs_to_cpu()
    got = inplace()
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(ref, got))
    # what the CPU pre-processing path does with a GPU provider: host float tensor in, copied up
    tensor_shape = [d if isinstance(d, int) else None for d in orig.get_inputs()[0].shape]
    front = {"centerface_dyn": (1,3,384,640), "palm_detection_full": (1,192,192,3), "nanodet_m_416": (1,3,416,416)}[name]
    host_tensor = np.random.default_rng(1).random(front, dtype=np.float32)
    iname = orig.get_inputs()[0].name
    a = timeit(lambda: orig.run(None, {iname: host_tensor}))
    b = timeit(lambda: fm.run(None, feeds))
    c = timeit(inplace)
    print(f"{name}: in-place vs CPU-EP outputs max abs diff {diff:.2e}; p50/p99 ms: host float tensor {a[0]:.2f}/{a[1]:.2f}, "
          f"frame from pageable host {b[0]:.2f}/{b[1]:.2f}, frame in place (registered, mapped) {c[0]:.2f}/{c[1]:.2f}", flush=True)
