"""Converts dlib net_to_xml output of the ResNet face descriptor to ONNX (verbatim from
shared/spec/models.md section 3.4). Usage: dlib_xml2onnx.py dlib_net.xml out.onnx"""
import re, sys, numpy as np, onnx
from onnx import helper as h, TensorProto as TP, numpy_helper as nh
xml = open(sys.argv[1]).read()
layers = re.findall(r"<layer idx='(\d+)' type='(\w+)'(?: id='(\d+)')?/?>(.*?)(?=<layer idx=|</net>)", xml, re.S)
nodes, inits, tags, cnt = [], [], {}, [0]
def name(p): cnt[0] += 1; return f"{p}_{cnt[0]}"
def const(n, a, dt=np.float32): inits.append(nh.from_array(np.asarray(a, dt), n)); return n
def node(op, ins, **kw): o = name(op.lower()); nodes.append(h.make_node(op, ins, [o], **kw)); return o
def values(body): return np.array(re.sub(r"^\s*<[^>]*>", "", body.strip(), count=1).split("</")[0].split(), np.float32)
cur, shape = "input", [1, 3, 150, 150]
r, g, b = (float(v) for v in re.findall(r"\s[rgb]='([\d.]+)'", [l for l in layers if l[1] == "input"][0][3]))
cur = node("Sub", [cur, const("rgb_mean", np.array([r, g, b]).reshape(1, 3, 1, 1))])
cur = node("Mul", [cur, const("inv256", 1 / 256.0)])
for idx, typ, tid, body in sorted(layers, key=lambda l: -int(l[0])):          # input side first
    if typ in ("input", "loss"): continue
    if typ == "tag": tags[tid] = (cur, list(shape)); continue
    if typ == "skip": cur, shape = tags[tid][0], list(tags[tid][1]); continue
    kind = re.match(r"\s*<(\w+)", body).group(1)
    a = {k: int(v) if v.lstrip("-").isdigit() else v for k, v in re.findall(r"(\w+)='([^']*)'", re.match(r"\s*<[^>]*>", body).group(0))}
    if kind == "con":
        v = values(body); nf, kr, kc, cin = a["num_filters"], a["nr"], a["nc"], shape[1]; nw = nf * cin * kr * kc
        assert v.size == nw + nf
        cur = node("Conv", [cur, const(name("W"), v[:nw].reshape(nf, cin, kr, kc)), const(name("B"), v[nw:])],
                   kernel_shape=[kr, kc], strides=[a["stride_y"], a["stride_x"]], pads=[a["padding_y"], a["padding_x"]] * 2)
        shape = [shape[0], nf, (shape[2] + 2 * a["padding_y"] - kr) // a["stride_y"] + 1, (shape[3] + 2 * a["padding_x"] - kc) // a["stride_x"] + 1]
    elif kind == "affine_con":                                                  # gamma[k] then beta[k]
        v = values(body); c = shape[1]; assert v.size == 2 * c
        cur = node("Mul", [cur, const(name("gamma"), v[:c].reshape(1, c, 1, 1))])
        cur = node("Add", [cur, const(name("beta"), v[c:].reshape(1, c, 1, 1))])
    elif kind == "relu":
        cur = node("Relu", [cur])
    elif kind in ("max_pool", "avg_pool") and a["nr"] == 0:                     # avg_pool_everything
        cur = node("GlobalAveragePool", [cur]); shape = shape[:2] + [1, 1]
    elif kind in ("max_pool", "avg_pool"):
        cur = node("MaxPool" if kind == "max_pool" else "AveragePool", [cur], kernel_shape=[a["nr"], a["nc"]],
                   strides=[a["stride_y"], a["stride_x"]], pads=[a["padding_y"], a["padding_x"]] * 2)
        shape = [shape[0], shape[1], (shape[2] + 2 * a["padding_y"] - a["nr"]) // a["stride_y"] + 1, (shape[3] + 2 * a["padding_x"] - a["nc"]) // a["stride_x"] + 1]
    elif kind == "add_prev":      # dlib adds tensors of different size by zero-padding both to the max (at the end)
        other, oshape = tags[str(a["tag"])]; tgt = [max(x, y) for x, y in zip(shape, oshape)]
        def pad(t, s):
            if s == tgt: return t
            return node("Pad", [t, const(name("pads"), [0, 0, 0, 0, 0, tgt[1] - s[1], tgt[2] - s[2], tgt[3] - s[3]], np.int64)])
        cur = node("Add", [pad(cur, shape), pad(other, oshape)]); shape = tgt
    elif kind == "fc_no_bias":                                                  # W is [n_in, n_out], y = x W
        v = values(body); n_in = shape[1] * shape[2] * shape[3]; n_out = a["num_outputs"]; assert v.size == n_in * n_out
        cur = node("Flatten", [cur], axis=1)
        nodes.append(h.make_node("MatMul", [cur, const("fc_W", v.reshape(n_in, n_out))], ["embedding"])); cur = "embedding"
    else:
        sys.exit(f"unhandled layer {idx}: {kind}")
graph = h.make_graph(nodes, "dlib_face_recognition_resnet_model_v1", [h.make_tensor_value_info("input", TP.FLOAT, ["N", 3, 150, 150])],
                     [h.make_tensor_value_info("embedding", TP.FLOAT, ["N", 128])], inits)
m = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)], producer_name="dlib net_to_xml -> dlib_xml2onnx.py"); m.ir_version = 8
onnx.checker.check_model(m); onnx.save(m, sys.argv[2])
