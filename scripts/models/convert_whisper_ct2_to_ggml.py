#!/usr/bin/env python3
"""Converts a CTranslate2 Whisper checkpoint (model.bin, binary format v6) to whisper.cpp's ggml file.

Needs numpy only. The layout written matches whisper.cpp's own convert-pt-to-ggml.py (1.8.5):
the hyperparameters, the 80-filter Slaney mel filterbank, the byte-level BPE vocabulary, then every
tensor with weights as float16 and biases, norms and positional embeddings as float32.

Usage: convert_whisper_ct2_to_ggml.py MODEL_BIN TOKENIZER_JSON OUTPUT [--list]
"""

import json
import struct
import sys

import numpy as np

GGML_MAGIC = 0x67676D6C

# CTranslate2 DataType ids (ctranslate2/specs/model_spec.py).
CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_ct2_model(path):
    """Reads every variable of a CTranslate2 model.bin into a dict of numpy arrays."""
    with open(path, "rb") as file:
        data = file.read()
    offset = 0

    def unpack(fmt):
        nonlocal offset
        values = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return values

    def read_string():
        nonlocal offset
        (length,) = unpack("<H")
        text = data[offset : offset + length - 1].decode("utf-8")
        offset += length
        return text

    (version,) = unpack("<I")
    if version != 6:
        raise SystemExit(f"error: unsupported CTranslate2 binary version {version} in '{path}', expected 6")
    model_name = read_string()
    (revision,) = unpack("<I")
    (count,) = unpack("<I")
    variables = {}
    for _ in range(count):
        name = read_string()
        (ndim,) = unpack("<B")
        shape = unpack(f"<{ndim}I") if ndim else ()
        (dtype_id,) = unpack("<B")
        (nbytes,) = unpack("<I")
        if dtype_id not in CT2_DTYPES:
            raise SystemExit(f"error: variable '{name}' has unsupported dtype id {dtype_id}")
        if offset + nbytes > len(data):
            raise SystemExit(
                f"error: '{path}' is truncated: variable '{name}' needs bytes up to {offset + nbytes},"
                f" the file has {len(data)}"
            )
        array = np.frombuffer(data, dtype=CT2_DTYPES[dtype_id], count=nbytes // np.dtype(CT2_DTYPES[dtype_id]).itemsize, offset=offset)
        variables[name] = array.reshape(shape)
        offset += nbytes
    (alias_count,) = unpack("<I")
    for _ in range(alias_count):
        alias = read_string()
        target = read_string()
        variables[alias] = variables[target]
    return model_name, revision, variables


def slaney_mel_filters(sample_rate=16000, n_fft=400, n_mels=80):
    """Computes librosa.filters.mel(sr, n_fft, n_mels) with Slaney scale and Slaney norm."""
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0

    def hz_to_mel(hz):
        hz = np.asanyarray(hz, dtype=np.float64)
        mels = hz / f_sp
        return np.where(hz >= min_log_hz, min_log_mel + np.log(np.maximum(hz, 1e-10) / min_log_hz) / logstep, mels)

    def mel_to_hz(mels):
        mels = np.asanyarray(mels, dtype=np.float64)
        freqs = f_sp * mels
        return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), freqs)

    fft_freqs = np.linspace(0, sample_rate / 2, 1 + n_fft // 2)
    mel_freqs = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sample_rate / 2), n_mels + 2))
    freq_diff = np.diff(mel_freqs)
    ramps = np.subtract.outer(mel_freqs, fft_freqs)
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
    for i in range(n_mels):
        lower = -ramps[i] / freq_diff[i]
        upper = ramps[i + 2] / freq_diff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_freqs[2 : n_mels + 2] - mel_freqs[:n_mels])
    weights *= enorm[:, np.newaxis]
    return weights


def byte_level_vocabulary(tokenizer_path):
    """Returns the raw bytes of every BPE token, ordered by id, up to and including <|endoftext|>.

    The upstream ggml files were converted from OpenAI's vocab.json, which lists <|endoftext|> as
    its last entry, so the converted vocabulary ends with it too (that gives the upstream sizes).
    """
    with open(tokenizer_path, encoding="utf-8") as file:
        tokenizer = json.load(file)
    # GPT-2's reversible byte-to-unicode table.
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    characters = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            characters.append(256 + extra)
            extra += 1
    char_to_byte = {chr(c): b for b, c in zip(printable, characters)}

    special = {token["content"]: token["id"] for token in tokenizer["added_tokens"]}
    end_of_text = special.get("<|endoftext|>")
    if end_of_text is None:
        raise SystemExit(f"error: '{tokenizer_path}' has no <|endoftext|> token")
    by_id = {}
    for text, token_id in tokenizer["model"]["vocab"].items():
        if token_id < end_of_text:
            by_id[token_id] = bytes(char_to_byte[c] for c in text)
    by_id[end_of_text] = b"<|endoftext|>"
    if sorted(by_id) != list(range(end_of_text + 1)):
        raise SystemExit(f"error: '{tokenizer_path}' has gaps in token ids below {end_of_text}")
    return [by_id[i] for i in range(end_of_text + 1)]


def ggml_tensors(variables, n_audio_layer, n_text_layer):
    """Yields (ggml name, array) pairs, splitting CTranslate2's fused QKV and KV projections."""

    def linear(prefix, name):
        yield f"{name}.weight", variables[f"{prefix}/weight"]
        if f"{prefix}/bias" in variables:
            yield f"{name}.bias", variables[f"{prefix}/bias"]

    def norm(prefix, name):
        yield f"{name}.weight", variables[f"{prefix}/gamma"]
        yield f"{name}.bias", variables[f"{prefix}/beta"]

    def split(prefix, names):
        weight = variables[f"{prefix}/weight"]
        bias = variables.get(f"{prefix}/bias")
        parts = np.split(weight, len(names), axis=0)
        bias_parts = np.split(bias, len(names), axis=0) if bias is not None else [None] * len(names)
        for name, part, bias_part in zip(names, parts, bias_parts):
            yield f"{name}.weight", part
            # whisper.cpp's key projection has no bias; CTranslate2 stores zeros there.
            if bias_part is not None and not name.endswith(".key"):
                yield f"{name}.bias", bias_part

    yield "encoder.positional_embedding", variables["encoder/position_encodings/encodings"]
    yield from linear("encoder/conv1", "encoder.conv1")
    yield from linear("encoder/conv2", "encoder.conv2")
    for i in range(n_audio_layer):
        source, target = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        yield from norm(f"{source}/self_attention/layer_norm", f"{target}.attn_ln")
        yield from split(f"{source}/self_attention/linear_0", [f"{target}.attn.query", f"{target}.attn.key", f"{target}.attn.value"])
        yield from linear(f"{source}/self_attention/linear_1", f"{target}.attn.out")
        yield from norm(f"{source}/ffn/layer_norm", f"{target}.mlp_ln")
        yield from linear(f"{source}/ffn/linear_0", f"{target}.mlp.0")
        yield from linear(f"{source}/ffn/linear_1", f"{target}.mlp.2")
    yield from norm("encoder/layer_norm", "encoder.ln_post")

    yield "decoder.positional_embedding", variables["decoder/position_encodings/encodings"]
    yield "decoder.token_embedding.weight", variables["decoder/embeddings/weight"]
    for i in range(n_text_layer):
        source, target = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        yield from norm(f"{source}/self_attention/layer_norm", f"{target}.attn_ln")
        yield from split(f"{source}/self_attention/linear_0", [f"{target}.attn.query", f"{target}.attn.key", f"{target}.attn.value"])
        yield from linear(f"{source}/self_attention/linear_1", f"{target}.attn.out")
        yield from norm(f"{source}/attention/layer_norm", f"{target}.cross_attn_ln")
        yield from linear(f"{source}/attention/linear_0", f"{target}.cross_attn.query")
        yield from split(f"{source}/attention/linear_1", [f"{target}.cross_attn.key", f"{target}.cross_attn.value"])
        yield from linear(f"{source}/attention/linear_2", f"{target}.cross_attn.out")
        yield from norm(f"{source}/ffn/layer_norm", f"{target}.mlp_ln")
        yield from linear(f"{source}/ffn/linear_0", f"{target}.mlp.0")
        yield from linear(f"{source}/ffn/linear_1", f"{target}.mlp.2")
    yield from norm("decoder/layer_norm", "decoder.ln")


def count_layers(variables, prefix):
    count = 0
    while f"{prefix}/layer_{count}/ffn/layer_norm/gamma" in variables:
        count += 1
    return count


def convert(model_path, tokenizer_path, output_path):
    _, _, variables = read_ct2_model(model_path)
    if any(name.endswith("weight_scale") for name in variables):
        raise SystemExit(f"error: '{model_path}' is int8-quantized; only float16/float32 checkpoints can be converted")
    n_audio_layer = count_layers(variables, "encoder")
    n_text_layer = count_layers(variables, "decoder")
    encoder_positions = variables["encoder/position_encodings/encodings"]
    decoder_positions = variables["decoder/position_encodings/encodings"]
    embeddings = variables["decoder/embeddings/weight"]
    conv1 = variables["encoder/conv1/weight"]
    hparams = [
        embeddings.shape[0],  # n_vocab
        encoder_positions.shape[0],  # n_audio_ctx
        encoder_positions.shape[1],  # n_audio_state
        int(variables["encoder/num_heads"]),  # n_audio_head
        n_audio_layer,
        decoder_positions.shape[0],  # n_text_ctx
        decoder_positions.shape[1],  # n_text_state
        int(variables["decoder/num_heads"]),  # n_text_head
        n_text_layer,
        conv1.shape[1],  # n_mels
        1,  # ftype: float16 weights
    ]
    filters = slaney_mel_filters(n_mels=conv1.shape[1])
    tokens = byte_level_vocabulary(tokenizer_path)

    with open(output_path, "wb") as out:
        out.write(struct.pack("<i", GGML_MAGIC))
        out.write(struct.pack("<11i", *hparams))
        out.write(struct.pack("<ii", *filters.shape))
        out.write(filters.astype("<f4").tobytes())
        out.write(struct.pack("<i", len(tokens)))
        for token in tokens:
            out.write(struct.pack("<i", len(token)))
            out.write(token)
        for name, array in ggml_tensors(variables, n_audio_layer, n_text_layer):
            array = np.asarray(array)
            if name in ("encoder.conv1.bias", "encoder.conv2.bias"):
                array = array.reshape(array.shape[0], 1)
            small = array.ndim < 2 or name.endswith(".bias") or name.endswith("positional_embedding")
            array = array.astype("<f4" if small else "<f2")
            ftype = 0 if small else 1
            encoded = name.encode("utf-8")
            out.write(struct.pack("<iii", array.ndim, len(encoded), ftype))
            out.write(struct.pack(f"<{array.ndim}i", *reversed(array.shape)))
            out.write(encoded)
            out.write(array.tobytes())


def main(argv):
    if len(argv) == 3 and argv[2] == "--list":
        name, revision, variables = read_ct2_model(argv[1])
        print(f"model {name} revision {revision}, {len(variables)} variables")
        for key, value in variables.items():
            print(key, value.dtype, value.shape)
        return
    if len(argv) != 4:
        raise SystemExit(__doc__)
    convert(argv[1], argv[2], argv[3])


if __name__ == "__main__":
    main(sys.argv)
