"""Runs a TensorFlow.js graph model (``model.json`` + weight shards, as npm packages ship them) in TensorFlow.

For the candidate-detector benchmark only (``bench/detector_candidates.py``): it needs ``tensorflow-cpu``,
which the project does not install (``make bench-detector-candidates`` makes a separate venv). The JSON's
``modelTopology`` is a GraphDef; weights are filled into its ``Const`` nodes from the shards (``read_weights``
of the service's converter, ``adapters/tfjs_onnx.py``). TF.js's own fused ops (``_FusedConv2D`` without its ``TArgs``,
``FusedDepthwiseConv2dNative``) are written back as the plain convolution, ``BiasAdd`` and the activation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from services.queue.vision.adapters.tfjs_onnx import read_weights

FUSED = {"_FusedConv2D": "Conv2D", "FusedDepthwiseConv2dNative": "DepthwiseConv2dNative"}
ACTIVATIONS = {"Relu", "Relu6", "Elu", "Sigmoid", "Tanh"}
DROPPED_ATTRS = ("fused_ops", "num_args", "epsilon", "TArgs", "leakyrelu_alpha", "num_host_args", "filter_format")


class TfjsGraph:
    """``run(feeds, outputs)`` on the model; one CPU thread unless told otherwise."""

    def __init__(self, model_json: Path, threads: int = 1) -> None:
        import tensorflow as tf  # optional, benchmark-only dependency
        from google.protobuf import json_format

        spec = json.loads(model_json.read_text(encoding="utf-8"))
        graph_def = tf.compat.v1.GraphDef()
        json_format.ParseDict(spec["modelTopology"], graph_def, ignore_unknown_fields=True)
        weights = read_weights(model_json)
        nodes = []
        for node in graph_def.node:
            if node.op == "Const" and node.name in weights:
                numpy_type = tf.dtypes.as_dtype(node.attr["dtype"].type).as_numpy_dtype
                node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(weights[node.name].astype(numpy_type)))
            nodes.extend(_unfused(tf, node) if node.op in FUSED else [node])
        del graph_def.node[:]
        graph_def.node.extend(nodes)
        graph = tf.Graph()
        with graph.as_default():
            tf.compat.v1.import_graph_def(graph_def, name="")
        config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=1)
        self._session = tf.compat.v1.Session(graph=graph, config=config)

    def run(self, feeds: dict[str, np.ndarray], outputs: list[str]) -> list[np.ndarray]:
        return list(self._session.run(outputs, feeds))


def _unfused(tf: Any, node: Any) -> list[Any]:
    """A TF.js fused convolution as convolution -> BiasAdd -> activation, the last one under the node's name."""
    steps = [op.decode() for op in node.attr["fused_ops"].list.s]
    conv = type(node)()
    conv.CopyFrom(node)
    conv.op, conv.name = FUSED[node.op], f"{node.name}/conv"
    del conv.input[2:]
    for attr in DROPPED_ATTRS:
        if attr in conv.attr:
            del conv.attr[attr]
    if "T" not in conv.attr:
        conv.attr["T"].type = tf.float32.as_datatype_enum
    extra = list(node.input[2:])
    out, current = [conv], conv.name
    for step in steps:
        if step != "BiasAdd" and step not in ACTIVATIONS:
            raise ValueError(f"{node.name}: fused op {step} is not supported")
        part = type(node)()
        part.op, part.name = step, f"{node.name}/{step}"
        part.attr["T"].type = tf.float32.as_datatype_enum
        part.input.extend([current, extra.pop(0)] if step == "BiasAdd" else [current])
        out.append(part)
        current = part.name
    last = type(node)()
    last.op, last.name = "Identity", node.name
    last.attr["T"].type = tf.float32.as_datatype_enum
    last.input.append(current)
    return [*out, last]
