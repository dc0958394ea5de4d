#!/usr/bin/env python3
"""Makes the frame-input variant `<model>_frame.onnx` of each whole-frame detector.

The variant takes the camera frame as it lies in shared memory (uint8 HxWx3, RGB, any size)
and does the pre-processing inside the graph: resize (bilinear, antialiased like
fast_image_resize), zero padding (letterbox), channel order, mean/scale normalisation and the
layout the detector wants. With ONNX Runtime's CUDA provider the frame tensor is the frame slot
registered with the driver, so the GPU reads the frame in place; no host copy, no host resize.

Inputs of every variant (the Rust side fills the small ones per frame):
  frame           uint8 [H, W, 3]
  frame_sizes     int64 [4]   resized size as [1, 3, h, w]
  frame_pads      int64 [8]   [0, 0, top, left, 0, 0, bottom, right]
  frame_mean      float [3]   subtracted per tensor channel
  frame_scale     float [3]   multiplied per tensor channel after subtracting
  frame_channels  int64 [3]   source channel of each tensor channel ([0,1,2] RGB, [2,1,0] BGR)

The detector's own graph is unchanged, only raised to opset 18 (for Resize's antialias) with
ONNX's version converter. `check` runs each variant against the front end followed by the
original model and fails when they differ.

usage: frame_models.py make MODEL_DIR NAME...
       frame_models.py check MODEL_DIR NAME...
"""
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, version_converter

OPSET = 18
PREFIX = "front_end_"
INPUTS = [
    ("frame", TensorProto.UINT8, ["H", "W", 3]),
    ("frame_sizes", TensorProto.INT64, [4]),
    ("frame_pads", TensorProto.INT64, [8]),
    ("frame_mean", TensorProto.FLOAT, [3]),
    ("frame_scale", TensorProto.FLOAT, [3]),
    ("frame_channels", TensorProto.INT64, [3]),
]


def front_end_nodes(output, nhwc):
    """Nodes turning the frame inputs into the detector input `output`."""
    c = lambda name: PREFIX + name  # noqa: E731
    nodes = [
        helper.make_node("Constant", [], [c("axis0")], value=helper.make_tensor(c("axis0_v"), TensorProto.INT64, [1], [0])),
        helper.make_node("Constant", [], [c("per_channel")],
                         value=helper.make_tensor(c("per_channel_v"), TensorProto.INT64, [4], [1, 3, 1, 1])),
        helper.make_node("Constant", [], [c("zero")], value=helper.make_tensor(c("zero_v"), TensorProto.FLOAT, [], [0.0])),
        helper.make_node("Cast", ["frame"], [c("float")], to=TensorProto.FLOAT),
        helper.make_node("Transpose", [c("float")], [c("chw")], perm=[2, 0, 1]),
        helper.make_node("Unsqueeze", [c("chw"), c("axis0")], [c("nchw")]),
        helper.make_node("Resize", [c("nchw"), "", "", "frame_sizes"], [c("resized")],
                         mode="linear", antialias=1, coordinate_transformation_mode="half_pixel"),
        helper.make_node("Pad", [c("resized"), "frame_pads", c("zero")], [c("padded")], mode="constant"),
        helper.make_node("Gather", [c("padded"), "frame_channels"], [c("ordered")], axis=1),
        helper.make_node("Reshape", ["frame_mean", c("per_channel")], [c("mean")]),
        helper.make_node("Reshape", ["frame_scale", c("per_channel")], [c("scale")]),
        helper.make_node("Sub", [c("ordered"), c("mean")], [c("centred")]),
    ]
    if nhwc:
        nodes += [
            helper.make_node("Mul", [c("centred"), c("scale")], [c("normalised")]),
            helper.make_node("Transpose", [c("normalised")], [output], perm=[0, 2, 3, 1]),
        ]
    else:
        nodes.append(helper.make_node("Mul", [c("centred"), c("scale")], [output]))
    return nodes


def value_infos():
    return [helper.make_tensor_value_info(name, kind, shape) for name, kind, shape in INPUTS]


def is_nhwc(model):
    dims = model.graph.input[0].type.tensor_type.shape.dim
    return len(dims) == 4 and dims[3].dim_value == 3


def front_end_model(model):
    """The front end alone, for checking: frame inputs -> the detector's input tensor."""
    out = helper.make_tensor_value_info("tensor", TensorProto.FLOAT, None)
    graph = helper.make_graph(front_end_nodes("tensor", is_nhwc(model)), "front_end", value_infos(), [out])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8)


def frame_model(model):
    """`model` with the front end in front of its first input."""
    nhwc = is_nhwc(model)
    converted = version_converter.convert_version(model, OPSET)
    graph = converted.graph
    detector_input = graph.input[0].name
    kept_inputs = list(graph.input[1:])
    del graph.input[:]
    graph.input.extend(value_infos() + kept_inputs)
    nodes = front_end_nodes(detector_input, nhwc) + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    converted.ir_version = max(converted.ir_version, 8)
    onnx.checker.check_model(converted)
    return converted


def sample_inputs(model):
    """A 480x640 frame with structure, letterboxed into the detector's input as the Rust side does."""
    rng = np.random.default_rng(7)
    ys, xs = np.mgrid[0:480, 0:640]
    frame = np.stack([(xs * 255 // 639), (ys * 255 // 479), rng.integers(0, 256, (480, 640))], axis=-1).astype(np.uint8)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    side = dims[1].dim_value if is_nhwc(model) else (dims[2].dim_value or 320)
    w, h = side, side * 480 // 640
    top = (side - h) // 2
    return {
        "frame": frame,
        "frame_sizes": np.array([1, 3, h, w], np.int64),
        "frame_pads": np.array([0, 0, top, 0, 0, 0, side - h - top, 0], np.int64),
        "frame_mean": np.array([10.0, 20.0, 30.0], np.float32),
        "frame_scale": np.array([1 / 50, 1 / 60, 1 / 70], np.float32),
        "frame_channels": np.array([2, 1, 0], np.int64),
    }


def check(model_dir, name):
    import onnxruntime as ort

    ort.set_default_logger_severity(3)  # unused-initializer clean-ups are not news
    original_path = model_dir / f"{name}.onnx"
    original = onnx.load(original_path)
    inputs = sample_inputs(original)
    front = ort.InferenceSession(front_end_model(original).SerializeToString(), providers=["CPUExecutionProvider"])
    tensor = front.run(None, inputs)[0]
    detector = ort.InferenceSession(str(original_path), providers=["CPUExecutionProvider"])
    expected = detector.run(None, {detector.get_inputs()[0].name: tensor})
    variant = ort.InferenceSession(str(model_dir / f"{name}_frame.onnx"), providers=["CPUExecutionProvider"])
    got = variant.run(None, inputs)
    worst = max(float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(a)))) for a, b in zip(expected, got))
    status = "ok  " if worst <= 1e-4 else "FAIL"
    print(f"{status} {name}_frame.onnx: input {list(tensor.shape)}, max scaled difference {worst:.2e} (tolerance 0.0001)")
    return worst <= 1e-4


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("make", "check"):
        sys.exit(__doc__)
    model_dir = Path(sys.argv[2])
    names = sys.argv[3:]
    if sys.argv[1] == "make":
        for name in names:
            onnx.save(frame_model(onnx.load(model_dir / f"{name}.onnx")), model_dir / f"{name}_frame.onnx")
        return
    if not all([check(model_dir, name) for name in names]):
        sys.exit("frame_models: a frame-input model differs from its original")


if __name__ == "__main__":
    main()
