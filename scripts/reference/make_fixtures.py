"""Write the golden values that InferenceTests compares the Swift networks against.

Usage: make_fixtures.py [MODEL_DIR]

MODEL_DIR defaults to $JUMPER_MODELS_DIR/label-bridge-384, or .cache/models/label-bridge-384
when that variable is unset. Needs numpy and tokenizers (scripts/requirements-test.txt).

Image side: each skimage photo is scaled to exactly 224x224 by the ffmpeg CLI
(`scale=224:224:flags=bilinear`, rgb24). The Swift test runs the same command, checks the
sha256 of the bytes, and feeds them to the network, so only the network is compared.
Text side: token ids come from the Hugging Face `tokenizers` package reading the model's
tokenizer.json (an implementation independent of the Swift tokenizer), embeddings from the
numpy encoder in reference_models.py.
"""

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
from tokenizers import Tokenizer

import reference_models as reference

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "Tests", "InferenceTests", "Fixtures")
PHOTO_DIR = "/usr/lib/python3/dist-packages/skimage/data"
PHOTOS = ["chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png"]
SCALE_FILTER = "scale=224:224:flags=bilinear"
TOP_COUNT = 20
SAMPLE_STRIDE = 25
SENTENCES = [
    "a photo of a cat",
    "Café au lait, s'il vous plaît! Crème brûlée & naïve résumé.",
    "東京タワーの写真 and 北京 skyline",
    " \t ",
    "The motorcyclist's helmet (red/white) cost $1,299.99 -- unbelievably!!",
    "emoji 😀 and ÅNGSTRÖM unaffable",
    " ".join(["antidisestablishmentarianism"] * 40),
]


def scaled_rgb24(photo):
    command = ["ffmpeg", "-v", "error", "-i", os.path.join(PHOTO_DIR, photo), "-vf", SCALE_FILTER]
    command += ["-pix_fmt", "rgb24", "-f", "rawvideo", "-"]
    return subprocess.run(command, capture_output=True, check=True).stdout


def rounded(values, digits=6):
    return [round(float(value), digits) for value in values]


def image_fixture(model_dir):
    weights = reference.load_safetensors(os.path.join(model_dir, "efficientnet-lite0.safetensors"))
    photos = []
    for photo in PHOTOS:
        rgb = scaled_rgb24(photo)
        if len(rgb) != 224 * 224 * 3:
            raise ValueError(f"ffmpeg returned {len(rgb)} bytes for '{photo}', expected {224 * 224 * 3}")
        logits = reference.efficientnet_lite0_logits(weights, reference.normalise_rgb24(rgb, 224, 224))
        top = np.argsort(-logits)[:TOP_COUNT]
        photos.append(
            {
                "photo": photo,
                "input_sha256": hashlib.sha256(rgb).hexdigest(),
                "top_indices": [int(index) for index in top],
                "top_logits": rounded(logits[top]),
                "sample_stride": SAMPLE_STRIDE,
                "sampled_logits": rounded(logits[::SAMPLE_STRIDE]),
                "logit_sum": round(float(logits.sum()), 5),
                "logit_norm": round(float(np.linalg.norm(logits)), 5),
            }
        )
        print(f"{photo}: top class {int(top[0])} logit {logits[top[0]]:.4f}")
    return {
        "ffmpeg_filter": SCALE_FILTER,
        "photo_dir": PHOTO_DIR,
        "photos": photos,
    }


def text_fixture(model_dir):
    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=128)
    weights = reference.load_safetensors(os.path.join(model_dir, "all-minilm-l6-v2.safetensors"))
    sentences = []
    for text in SENTENCES:
        encoding = tokenizer.encode(text)
        embedding = reference.minilm_embedding(weights, encoding.ids)
        sentences.append({"text": text, "token_ids": encoding.ids, "embedding": rounded(embedding, 7)})
        print(f"{text[:40]!r}: {len(encoding.ids)} tokens {encoding.tokens[:12]}")
    # All 1000 class prompts, summarised as one FNV-1a hash so the fixture stays small.
    with open(os.path.join(model_dir, "classes.json"), encoding="utf-8") as file:
        prompts = [class_prompt(name) for name in json.load(file)]
    lines = [",".join(str(id) for id in tokenizer.encode(prompt).ids) for prompt in prompts]
    class_prompts = {
        "count": len(prompts),
        "token_count": sum(len(line.split(",")) for line in lines),
        "ids_fnv1a64": format(fnv1a64("\n".join(lines)), "016x"),
    }
    return {"max_tokens": 128, "sentences": sentences, "class_prompts": class_prompts}


def class_prompt(name):
    """Return the text for one ImageNet class, as LabelBridgeModel.prompt(forClassName:) builds it."""
    if name.lower().startswith(("a ", "an ")):
        return f"a photo of {name}"
    return f"a photo of a {name}"


def fnv1a64(text):
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def main():
    if len(sys.argv) > 1:
        model_dir = sys.argv[1]
    else:
        models = os.environ.get("JUMPER_MODELS_DIR", os.path.join(REPO, ".cache", "models"))
        model_dir = os.path.join(models, "label-bridge-384")
    os.makedirs(FIXTURES, exist_ok=True)
    for name, build in (("efficientnet-logits.json", image_fixture), ("minilm-embeddings.json", text_fixture)):
        with open(os.path.join(FIXTURES, name), "w", encoding="utf-8") as file:
            json.dump(build(model_dir), file, ensure_ascii=False, separators=(",", ":"))
            file.write("\n")


if __name__ == "__main__":
    main()
