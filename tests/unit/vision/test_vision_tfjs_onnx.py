"""The TF.js -> ONNX converter on a small graph written here: every op MoveNet's box heads use (fused and plain
convolutions, depthwise ones, SAME padding with stride 2, bias, ReLU / ReLU6, Add / Sub / Mul with constants and
between maps, a Cast of the input, a half-pixel bilinear upsampling by 2) checked against numpy."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest

from services.queue.vision.adapters.tfjs_onnx import UnsupportedGraph, read_weights, to_onnx

RNG = np.random.default_rng(7)


def _s(text: str) -> dict[str, str]:
    return {"s": base64.b64encode(text.encode()).decode()}


def _conv_attrs(stride: int, fused: list[str]) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "strides": {"list": {"i": ["1", str(stride), str(stride), "1"]}},
        "padding": _s("SAME"),
        "data_format": _s("NHWC"),
        "dilations": {"list": {"i": ["1", "1", "1", "1"]}},
        "T": {"type": "DT_FLOAT"},
    }
    if fused:
        attrs["fused_ops"] = {"list": {"s": [_s(op)["s"] for op in fused]}}
        attrs["num_args"] = {"i": "1"}
    return attrs


class GraphWriter:
    """A TF.js graph model (model.json + one weight shard) built node by node."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.weights: list[tuple[str, np.ndarray, bool]] = []

    def const(self, name: str, value: np.ndarray, half: bool = False) -> str:
        dtype = "DT_INT32" if value.dtype == np.int32 else "DT_FLOAT"
        self.nodes.append({"name": name, "op": "Const", "attr": {"dtype": {"type": dtype}, "value": {"tensor": {}}}})
        self.weights.append((name, value, half))
        return name

    def node(self, name: str, op: str, inputs: list[str], attr: dict[str, Any] | None = None) -> str:
        self.nodes.append({"name": name, "op": op, "input": inputs, "attr": attr or {}})
        return name

    def write(self, folder: Path) -> Path:
        manifest, blob = [], b""
        for name, value, half in self.weights:
            entry: dict[str, Any] = {
                "name": name,
                "shape": list(value.shape),
                "dtype": "int32" if value.dtype == np.int32 else "float32",
            }
            if half:
                entry["quantization"] = {"dtype": "float16", "original_dtype": "float32"}
                blob += value.astype(np.float16).tobytes()
            else:
                blob += value.tobytes()
            manifest.append(entry)
        (folder / "w.bin").write_bytes(blob)
        spec = {
            "format": "graph-model",
            "modelTopology": {"node": self.nodes},
            "weightsManifest": [{"paths": ["w.bin"], "weights": manifest}],
        }
        path = folder / "model.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        return path


def _weights(*shape: int) -> np.ndarray:
    return RNG.normal(0, 0.5, shape).astype(np.float32)


def conv_same(x: np.ndarray, kernel: np.ndarray, stride: int, depthwise: bool = False) -> np.ndarray:
    """TF's SAME convolution of an NHWC batch of one (kernel HWIO, or HWC1 for depthwise)."""
    _, h, w, _ = x.shape
    kh, kw = kernel.shape[:2]
    out_h, out_w = -(-h // stride), -(-w // stride)
    pad_h = max((out_h - 1) * stride + kh - h, 0)
    pad_w = max((out_w - 1) * stride + kw - w, 0)
    padded = np.pad(x[0], ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    out = np.zeros((out_h, out_w, kernel.shape[2] if depthwise else kernel.shape[3]))
    for dy in range(kh):
        for dx in range(kw):
            patch = padded[dy : dy + stride * out_h : stride, dx : dx + stride * out_w : stride]
            out += patch * kernel[dy, dx, :, 0] if depthwise else patch @ kernel[dy, dx]
    return out[None]


def upsample2_half_pixel(x: np.ndarray) -> np.ndarray:
    def axis(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        src = np.clip((np.arange(2 * n) + 0.5) / 2 - 0.5, 0, n - 1)
        low = np.floor(src).astype(int)
        return low, np.minimum(low + 1, n - 1), src - low

    y0, y1, wy = axis(x.shape[1])
    x0, x1, wx = axis(x.shape[2])
    rows = x[:, y0] * (1 - wy)[None, :, None, None] + x[:, y1] * wy[None, :, None, None]
    return rows[:, :, x0] * (1 - wx)[None, None, :, None] + rows[:, :, x1] * wx[None, None, :, None]


@pytest.fixture
def small_graph(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    g = GraphWriter()
    w = {
        "mean": np.array([10, 20, 30], dtype=np.float32).reshape(1, 1, 1, 3),
        "scale": np.array(0.02, dtype=np.float32),
        "k1": _weights(3, 3, 3, 4),
        "b1": _weights(4),
        "dw": _weights(3, 3, 4, 1),
        "b2": _weights(4),
        "dw2": _weights(3, 3, 4, 1),
        "k3": _weights(1, 1, 4, 2),
        "b3": _weights(2),
        "k5": _weights(1, 1, 3, 2),
        "b5": _weights(2),
    }
    w["k1"] = w["k1"].astype(np.float16).astype(np.float32)  # stored as float16 below
    g.node("input", "Placeholder", [], {"dtype": {"type": "DT_INT32"}})
    g.node("cast", "Cast", ["input"])
    g.node("sub", "Sub", ["cast", g.const("mean", w["mean"])])
    g.node("mul", "Mul", ["sub", g.const("scale", w["scale"])])
    inputs = ["mul", g.const("k1", w["k1"], half=True), g.const("b1", w["b1"])]
    g.node("conv1", "_FusedConv2D", inputs, _conv_attrs(2, ["BiasAdd", "Relu6"]))
    inputs = ["conv1", g.const("dw", w["dw"]), g.const("b2", w["b2"])]
    g.node("dconv", "FusedDepthwiseConv2dNative", inputs, _conv_attrs(1, ["BiasAdd", "Relu"]))
    g.node("dplain", "DepthwiseConv2dNative", ["dconv", g.const("dw2", w["dw2"])], _conv_attrs(1, []))
    inputs = ["dplain", g.const("k3", w["k3"]), g.const("b3", w["b3"])]
    g.node("conv3", "_FusedConv2D", inputs, _conv_attrs(1, ["BiasAdd"]))
    g.node("shape", "Shape", ["conv3"])
    g.node("slice", "StridedSlice", ["shape"])
    g.node("size", "Mul", ["slice", g.const("two", np.array([2, 2], dtype=np.int32))])
    half_pixel = {"align_corners": {"b": False}, "half_pixel_centers": {"b": True}}
    g.node("up", "ResizeBilinear", ["conv3", "size"], half_pixel)
    g.node(
        "conv5", "_FusedConv2D", ["mul", g.const("k5", w["k5"]), g.const("b5", w["b5"])], _conv_attrs(1, ["BiasAdd"])
    )
    g.node("out", "AddV2", ["up", "conv5"])
    g.node("topk", "TopKV2", ["out"])
    return g.write(tmp_path), w


def reference(image: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
    x = (image[None].astype(np.float64) - w["mean"]) * w["scale"]
    conv1 = np.clip(conv_same(x, w["k1"], 2) + w["b1"], 0, 6)
    dconv = np.maximum(conv_same(conv1, w["dw"], 1, depthwise=True) + w["b2"], 0)
    dplain = conv_same(dconv, w["dw2"], 1, depthwise=True)
    conv3 = conv_same(dplain, w["k3"], 1) + w["b3"]
    return upsample2_half_pixel(conv3) + conv_same(x, w["k5"], 1) + w["b5"]


def test_the_onnx_model_computes_what_the_graph_says(small_graph: tuple[Path, dict[str, np.ndarray]]) -> None:
    path, w = small_graph
    session = ort.InferenceSession(to_onnx(path, ["out"]), providers=["CPUExecutionProvider"])
    for height, width in ((8, 8), (10, 6)):  # even, and odd after the stride-2 convolution
        image = RNG.integers(0, 256, (height, width, 3)).astype(np.float32)
        (got,) = session.run(["out"], {"input": image.transpose(2, 0, 1)[None]})
        expected = reference(image, w)
        assert got.shape == (1, 2, height, width)
        np.testing.assert_allclose(got.transpose(0, 2, 3, 1), expected, rtol=1e-4, atol=1e-4)


def test_an_op_it_does_not_know_is_named(small_graph: tuple[Path, dict[str, np.ndarray]]) -> None:
    with pytest.raises(UnsupportedGraph, match="TopKV2"):
        to_onnx(small_graph[0], ["topk"])


def test_an_output_that_is_not_in_the_graph_is_refused(small_graph: tuple[Path, dict[str, np.ndarray]]) -> None:
    with pytest.raises(UnsupportedGraph, match="no node"):
        to_onnx(small_graph[0], ["nowhere"])


def test_align_corners_resizing_is_refused(tmp_path: Path) -> None:
    g = GraphWriter()
    g.node("input", "Placeholder", [], {"dtype": {"type": "DT_FLOAT"}})
    g.node("size", "Mul", ["input", g.const("two", np.array([2, 2], dtype=np.int32))])
    g.node("up", "ResizeBilinear", ["input", "size"], {"align_corners": {"b": True}})
    with pytest.raises(UnsupportedGraph, match="half-pixel"):
        to_onnx(g.write(tmp_path), ["up"])


def test_weights_are_widened_and_shards_must_match_the_manifest(tmp_path: Path) -> None:
    g = GraphWriter()
    value = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    g.const("a", value, half=True)
    g.const("b", np.array([7, -1], dtype=np.int32))
    path = g.write(tmp_path)
    weights = read_weights(path)
    assert weights["a"].dtype == np.float32 and weights["a"].tolist() == value.tolist()
    assert weights["b"].tolist() == [7, -1]
    (tmp_path / "w.bin").write_bytes((tmp_path / "w.bin").read_bytes() + b"\0" * 4)
    with pytest.raises(ValueError, match="manifest"):
        read_weights(path)
