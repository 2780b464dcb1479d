#!/usr/bin/python3
"""Writes heat_pool.onnx: a 4x4 average pooling of a [1, 1, H, W] float field (H, W dynamic),
the ONNX model the heat analysis runs inside the database. Usage: make_onnx.py <output path>"""
import sys

import onnx
from onnx import TensorProto, helper

x = helper.make_tensor_value_info("field", TensorProto.FLOAT, [1, 1, "H", "W"])
y = helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [1, 1, "h", "w"])
node = helper.make_node("AveragePool", ["field"], ["pooled"], kernel_shape=[4, 4], strides=[4, 4])
graph = helper.make_graph([node], "heat_pool", [x], [y])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
