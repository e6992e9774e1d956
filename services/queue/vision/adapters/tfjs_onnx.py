"""A TensorFlow.js graph model (``model.json`` + weight shards, as npm packages ship them) as an ONNX model for
onnxruntime, without TensorFlow.

Only what convolutional detectors need is converted: the sub-graph from the image input to the ``outputs``
asked for, made of convolutions (TF.js's fused ``_FusedConv2D`` with its bias and ReLU / ReLU6, depthwise ones
with or without the fusion), element-wise Add / Sub / Mul (with constants or between feature maps), a Cast of
the input and bilinear upsampling by a constant factor (``ResizeBilinear`` whose size is the input's times a
constant, half-pixel centres). Anything else raises ``UnsupportedGraph`` naming the op. TF's NHWC layout
becomes ONNX's NCHW: the input is fed NCHW float32 and the outputs come out NCHW; weights are transposed here.
Weights stored as float16 (``quantization``) are widened to float32. The bytes are built in memory each time
the detector starts; nothing is written.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

OPSET = 13
DTYPES = {"float32": np.float32, "int32": np.int32, "float16": np.float16, "uint8": np.uint8, "uint16": np.uint16}
ACTIVATIONS = {"Relu", "Relu6"}


class UnsupportedGraph(ValueError):
    """The graph uses something this converter does not handle."""


def read_weights(model_json: Path) -> dict[str, np.ndarray]:
    """Every weight of the manifest by name, float16- or affine-quantised ones widened to their dtype."""
    spec = json.loads(model_json.read_text(encoding="utf-8"))
    out: dict[str, np.ndarray] = {}
    for group in spec["weightsManifest"]:
        blob = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for weight in group["weights"]:
            count = int(np.prod(weight["shape"])) if weight["shape"] else 1
            quant = weight.get("quantization")
            stored = DTYPES[quant["dtype"] if quant else weight["dtype"]]
            values = np.frombuffer(blob, stored, count, offset)
            offset += values.nbytes
            if quant and quant["dtype"] != "float16":
                values = values.astype(np.float32) * quant["scale"] + quant["min"]
            out[weight["name"]] = values.astype(DTYPES[weight["dtype"]]).reshape(weight["shape"])
        if offset != len(blob):
            raise ValueError(f"{model_json}: the weight shards hold {len(blob)} bytes, the manifest {offset}")
    return out


def to_onnx(model_json: Path, outputs: Sequence[str], input_name: str = "input") -> bytes:
    """The ONNX model (serialised) computing ``outputs`` (TF node names) from the placeholder ``input_name``."""
    spec = json.loads(model_json.read_text(encoding="utf-8"))
    nodes = {n["name"]: n for n in spec["modelTopology"]["node"]}
    return _Converter(nodes, read_weights(model_json), input_name).convert(list(outputs))


def _source(ref: str) -> str:
    return ref.split(":")[0].lstrip("^")


def _ints(node: dict[str, Any], attr: str) -> list[int]:
    return [int(v) for v in node.get("attr", {}).get(attr, {}).get("list", {}).get("i", [])]


def _text(node: dict[str, Any], attr: str) -> str:
    raw = node.get("attr", {}).get(attr, {}).get("s", "")
    return base64.b64decode(raw).decode() if raw else ""


def _flag(node: dict[str, Any], attr: str) -> bool:
    return bool(node.get("attr", {}).get(attr, {}).get("b", False))


class _Converter:
    def __init__(self, nodes: dict[str, dict[str, Any]], weights: dict[str, np.ndarray], input_name: str) -> None:
        import onnx  # the converter's one extra dependency; the detector itself needs only onnxruntime

        self.onnx = onnx
        self.nodes, self.weights, self.input_name = nodes, weights, input_name
        self.done: set[str] = set()
        self.onnx_nodes: list[Any] = []
        self.initializers: list[Any] = []

    def convert(self, outputs: list[str]) -> bytes:
        helper = self.onnx.helper
        for name in outputs:
            if name not in self.nodes:
                raise UnsupportedGraph(f"no node {name!r} in the graph")
            self._emit(name)
        graph = helper.make_graph(
            self.onnx_nodes,
            "tfjs",
            [helper.make_tensor_value_info(self.input_name, self.onnx.TensorProto.FLOAT, [1, 3, None, None])],
            [helper.make_tensor_value_info(o, self.onnx.TensorProto.FLOAT, [1, None, None, None]) for o in outputs],
            self.initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="branchops")
        model.ir_version = 8
        self.onnx.checker.check_model(model)
        return bytes(model.SerializeToString())

    def _const(self, name: str) -> np.ndarray | None:
        node = self.nodes.get(_source(name))
        if node is None or node["op"] != "Const":
            return None
        return self.weights.get(_source(name))

    def _initializer(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def _emit(self, name: str) -> str:
        """Converts node ``name`` (after its inputs) and returns the ONNX tensor holding its value."""
        if name in self.done:
            return name
        node = self.nodes[name]
        op = node["op"]
        inputs = [_source(i) for i in node.get("input", []) if not i.startswith("^")]
        helper = self.onnx.helper
        if op == "Placeholder":
            if name != self.input_name:
                raise UnsupportedGraph(f"a second input {name!r}")
        elif op in ("Cast", "Identity"):
            self.onnx_nodes.append(helper.make_node("Identity", [self._emit(inputs[0])], [name]))
        elif op in ("AddV2", "Add", "Sub", "Mul"):
            operands = [self._operand(i, name, k) for k, i in enumerate(inputs)]
            onnx_op = {"AddV2": "Add", "Add": "Add", "Sub": "Sub", "Mul": "Mul"}[op]
            self.onnx_nodes.append(helper.make_node(onnx_op, operands, [name]))
        elif op in ("_FusedConv2D", "FusedDepthwiseConv2dNative", "DepthwiseConv2dNative", "Conv2D"):
            self._conv(name, node, inputs)
        elif op == "ResizeBilinear":
            self._resize(name, node, inputs)
        else:
            raise UnsupportedGraph(f"op {op} ({name}) is not supported")
        self.done.add(name)
        return name

    def _operand(self, ref: str, user: str, index: int) -> str:
        value = self._const(ref)
        if value is None:
            return self._emit(ref)
        value = value.astype(np.float32)
        if value.ndim == 4:  # NHWC constant: NCHW
            value = value.transpose(0, 3, 1, 2)
        elif value.ndim == 1 and value.size > 1:  # per channel
            value = value.reshape(-1, 1, 1)
        return self._initializer(f"{user}/operand{index}", value)

    def _conv(self, name: str, node: dict[str, Any], inputs: list[str]) -> None:
        helper = self.onnx.helper
        op = node["op"]
        if _text(node, "data_format") not in ("", "NHWC"):
            raise UnsupportedGraph(f"{name}: data format {_text(node, 'data_format')}")
        if any(d != 1 for d in _ints(node, "dilations")):
            raise UnsupportedGraph(f"{name}: dilated convolution")
        padding = _text(node, "padding")
        if padding not in ("SAME", "VALID"):
            raise UnsupportedGraph(f"{name}: padding {padding}")
        kernel = self._const(inputs[1])
        if kernel is None:
            raise UnsupportedGraph(f"{name}: the kernel is not a constant")
        kernel = kernel.astype(np.float32)
        depthwise = "Depthwise" in op
        if depthwise:  # H, W, C, M -> C * M, 1, H, W
            h, w, c, m = kernel.shape
            weight = kernel.transpose(2, 3, 0, 1).reshape(c * m, 1, h, w)
            group = c
        else:  # H, W, I, O -> O, I, H, W
            weight = kernel.transpose(3, 2, 0, 1)
            group = 1
        steps = _fused_ops(node)
        conv_inputs = [self._emit(inputs[0]), self._initializer(f"{name}/weight", weight)]
        if steps and steps[0] == "BiasAdd":
            bias = self._const(inputs[2])
            if bias is None:
                raise UnsupportedGraph(f"{name}: the bias is not a constant")
            conv_inputs.append(self._initializer(f"{name}/bias", bias.astype(np.float32)))
            steps = steps[1:]
        for step in steps:
            if step not in ACTIVATIONS:
                raise UnsupportedGraph(f"{name}: fused op {step}")
        strides = _ints(node, "strides")[1:3] or [1, 1]
        current = f"{name}/conv" if steps else name
        self.onnx_nodes.append(
            helper.make_node(
                "Conv",
                conv_inputs,
                [current],
                group=group,
                strides=strides,
                kernel_shape=list(weight.shape[2:]),
                auto_pad="SAME_UPPER" if padding == "SAME" else "VALID",
            )
        )
        for k, step in enumerate(steps):
            out = name if k == len(steps) - 1 else f"{name}/{step}"
            if step == "Relu":
                self.onnx_nodes.append(helper.make_node("Relu", [current], [out]))
            else:
                low = self._initializer(f"{name}/min", np.array(0.0, dtype=np.float32))
                high = self._initializer(f"{name}/max", np.array(6.0, dtype=np.float32))
                self.onnx_nodes.append(helper.make_node("Clip", [current, low, high], [out]))
            current = out

    def _resize(self, name: str, node: dict[str, Any], inputs: list[str]) -> None:
        """``ResizeBilinear(x, Mul(StridedSlice(Shape(x)), factor))``: an upsampling by ``factor``."""
        if _flag(node, "align_corners") or not _flag(node, "half_pixel_centers"):
            raise UnsupportedGraph(f"{name}: only half-pixel-centre bilinear resizing is supported")
        size = self.nodes.get(inputs[1], {})
        factors = [self._const(i) for i in size.get("input", [])] if size.get("op") == "Mul" else []
        factor = next((f for f in factors if f is not None), None)
        if factor is None or factor.size != 2:
            raise UnsupportedGraph(f"{name}: the size is not the input's times a constant")
        scales = self._initializer(f"{name}/scales", np.array([1, 1, *factor.astype(np.float32)], dtype=np.float32))
        roi = self._initializer(f"{name}/roi", np.zeros(0, dtype=np.float32))
        self.onnx_nodes.append(
            self.onnx.helper.make_node(
                "Resize",
                [self._emit(inputs[0]), roi, scales],
                [name],
                mode="linear",
                coordinate_transformation_mode="half_pixel",
            )
        )


def _fused_ops(node: dict[str, Any]) -> list[str]:
    encoded = node.get("attr", {}).get("fused_ops", {}).get("list", {}).get("s", [])
    return [base64.b64decode(s).decode() for s in encoded]
