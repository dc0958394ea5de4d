"""Runs `python -m tf2onnx.convert` under numpy 2: tf2onnx 1.17's tfjs reader still calls
np.product, which numpy 2 removed."""
import runpy
import sys

import numpy as np

if not hasattr(np, "product"):
    np.product = np.prod
sys.argv[0] = "tf2onnx.convert"
runpy.run_module("tf2onnx.convert", run_name="__main__")
