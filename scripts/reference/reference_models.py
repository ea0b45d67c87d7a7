"""Plain numpy reference implementations of the label-bridge-384 networks.

Written independently of the Swift code and kept unoptimised on purpose: float64
throughout, BatchNorm applied as its own step (the Swift code folds it into the
convolution weights), convolutions as explicit sums over kernel offsets. Used by
make_fixtures.py to produce the golden values in Tests/InferenceTests/Fixtures.
"""

import json
import math
import struct

import numpy as np

BATCH_NORM_EPSILON = 1e-3
LAYER_NORM_EPSILON = 1e-12

# (repeats, kernel, stride, expand ratio, input channels, output channels) per stage.
EFFICIENTNET_LITE0_STAGES = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
]


def load_safetensors(path):
    """Return name -> float64 array for every F32/F16 tensor of a safetensors file."""
    with open(path, "rb") as file:
        (header_size,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(header_size))
        data = file.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": "<f4", "F16": "<f2"}.get(entry["dtype"])
        if dtype is None:
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=dtype).reshape(entry["shape"])
        tensors[name] = array.astype(np.float64)
    return tensors


# EfficientNet-Lite0


def same_padding(size, kernel, stride):
    """Return (before, after) padding of TensorFlow "SAME": the odd extra pixel goes after."""
    output = math.ceil(size / stride)
    total = max((output - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv2d(x, weight, stride, groups=1):
    """Convolve x (C, H, W) with weight (O, C/groups, K, K) using SAME padding."""
    channels, height, width = x.shape
    out_channels, _, kernel, _ = weight.shape
    top, bottom = same_padding(height, kernel, stride)
    left, right = same_padding(width, kernel, stride)
    padded = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    out_height = (padded.shape[1] - kernel) // stride + 1
    out_width = (padded.shape[2] - kernel) // stride + 1
    output = np.zeros((out_channels, out_height, out_width))
    for dy in range(kernel):
        for dx in range(kernel):
            window = padded[:, dy : dy + stride * out_height : stride, dx : dx + stride * out_width : stride]
            if groups == 1:
                output += np.einsum("oc,chw->ohw", weight[:, :, dy, dx], window)
            else:
                assert groups == channels == out_channels
                output += weight[:, 0, dy, dx][:, None, None] * window
    return output


def batch_norm(x, weights, prefix):
    scale = weights[prefix + ".weight"] / np.sqrt(weights[prefix + ".running_var"] + BATCH_NORM_EPSILON)
    shift = weights[prefix + ".bias"] - weights[prefix + ".running_mean"] * scale
    return x * scale[:, None, None] + shift[:, None, None]


def relu6(x):
    return np.clip(x, 0.0, 6.0)


def efficientnet_lite0_logits(weights, image):
    """Return the 1000 ImageNet logits for a normalised (3, 224, 224) image."""
    x = relu6(batch_norm(conv2d(image, weights["_conv_stem.weight"], 2), weights, "_bn0"))
    block = 0
    for repeats, kernel, stride, expand, in_channels, out_channels in EFFICIENTNET_LITE0_STAGES:
        for repeat in range(repeats):
            prefix = f"_blocks.{block}."
            block_stride = stride if repeat == 0 else 1
            block_in = in_channels if repeat == 0 else out_channels
            inputs = x
            if expand != 1:
                x = relu6(batch_norm(conv2d(x, weights[prefix + "_expand_conv.weight"], 1), weights, prefix + "_bn0"))
            depthwise = weights[prefix + "_depthwise_conv.weight"]
            assert depthwise.shape[2] == kernel
            x = relu6(batch_norm(conv2d(x, depthwise, block_stride, groups=x.shape[0]), weights, prefix + "_bn1"))
            x = batch_norm(conv2d(x, weights[prefix + "_project_conv.weight"], 1), weights, prefix + "_bn2")
            if block_stride == 1 and block_in == out_channels:
                x = x + inputs
            block += 1
    x = relu6(batch_norm(conv2d(x, weights["_conv_head.weight"], 1), weights, "_bn1"))
    pooled = x.mean(axis=(1, 2))
    return weights["_fc.weight"] @ pooled + weights["_fc.bias"]


IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])
IMAGENET_STD = np.array([0.229, 0.224, 0.225])


def normalise_rgb24(rgb, width, height):
    """Turn rgb24 bytes (H, W, 3) into a channels-first ImageNet-normalised float64 image."""
    pixels = np.frombuffer(rgb, dtype=np.uint8).reshape(height, width, 3).astype(np.float64) / 255.0
    return ((pixels - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1)


# MiniLM (BERT) sentence encoder


def layer_norm(x, weights, prefix):
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + LAYER_NORM_EPSILON) * weights[prefix + ".weight"] + weights[prefix + ".bias"]


def linear(x, weights, prefix):
    return x @ weights[prefix + ".weight"].T + weights[prefix + ".bias"]


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def minilm_embedding(weights, token_ids, layers=6, heads=12):
    """Return the L2-normalised mean-pooled sentence embedding of one token id sequence."""
    count = len(token_ids)
    x = (
        weights["embeddings.word_embeddings.weight"][token_ids]
        + weights["embeddings.position_embeddings.weight"][:count]
        + weights["embeddings.token_type_embeddings.weight"][0]
    )
    x = layer_norm(x, weights, "embeddings.LayerNorm")
    hidden = x.shape[1]
    head_size = hidden // heads
    for layer in range(layers):
        prefix = f"encoder.layer.{layer}."
        query = linear(x, weights, prefix + "attention.self.query").reshape(count, heads, head_size).transpose(1, 0, 2)
        key = linear(x, weights, prefix + "attention.self.key").reshape(count, heads, head_size).transpose(1, 0, 2)
        value = linear(x, weights, prefix + "attention.self.value").reshape(count, heads, head_size).transpose(1, 0, 2)
        scores = query @ key.transpose(0, 2, 1) / math.sqrt(head_size)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probabilities = scores / scores.sum(axis=-1, keepdims=True)
        context = (probabilities @ value).transpose(1, 0, 2).reshape(count, hidden)
        x = layer_norm(linear(context, weights, prefix + "attention.output.dense") + x, weights, prefix + "attention.output.LayerNorm")
        intermediate = gelu(linear(x, weights, prefix + "intermediate.dense"))
        x = layer_norm(linear(intermediate, weights, prefix + "output.dense") + x, weights, prefix + "output.LayerNorm")
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)
