"""Create randomly initialised full-size CLIP ViT-B/32 and SigLIP B/16-256 checkpoints for the
speed benchmark and time PyTorch on them.

Usage: .cache/reference-venv/bin/python scripts/reference/make_benchmark_checkpoints.py OUTPUT_DIR

Writes OUTPUT_DIR/clip-vit-b-32 and OUTPUT_DIR/siglip-base-16-256 (about 600 and 800 MB, not
committed) with the tiny fixtures' tokenizer files. Then prints PyTorch's images per second of
each image tower (batch of 8 at the tower's input size) and milliseconds per text query, with
torch.set_num_threads(2). Random weights cost the same time as trained ones.
"""

import os
import shutil
import sys
import time

import torch
from transformers import CLIPConfig, CLIPModel, SiglipConfig, SiglipModel

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "Tests", "InferenceTests", "Fixtures")


def copy_tokenizer(source, target, names):
    for name in names:
        shutil.copy(os.path.join(FIXTURES, source, name), os.path.join(target, name))


def time_model(name, model, image_size, text_ids):
    images = torch.randn(8, 3, image_size, image_size)
    with torch.no_grad():
        model.get_image_features(pixel_values=images)
        started = time.perf_counter()
        rounds = 3
        for _ in range(rounds):
            model.get_image_features(pixel_values=images)
        image_rate = 8 * rounds / (time.perf_counter() - started)
        model.get_text_features(input_ids=text_ids)
        started = time.perf_counter()
        for _ in range(20):
            model.get_text_features(input_ids=text_ids)
        text_ms = (time.perf_counter() - started) / 20 * 1000
    print(f"pytorch {torch.__version__} {name}: {image_rate:.1f} images/s, {text_ms:.1f} ms per text query")


def main():
    output = sys.argv[1]
    torch.set_num_threads(2)
    torch.manual_seed(0)

    clip_dir = os.path.join(output, "clip-vit-b-32")
    if not os.path.exists(os.path.join(clip_dir, "model.safetensors")):
        os.makedirs(clip_dir, exist_ok=True)
        config = CLIPConfig(text_config={"eos_token_id": 2}, vision_config={"patch_size": 32})
        CLIPModel(config).save_pretrained(clip_dir, safe_serialization=True)
        copy_tokenizer("tiny-clip", clip_dir, ["vocab.json", "merges.txt"])
    clip = CLIPModel.from_pretrained(clip_dir).eval()
    # "a photo of a cat" with start and end tokens: 7 tokens, no padding
    time_model("clip-vit-b-32", clip, 224, torch.tensor([[49406, 320, 1125, 539, 320, 2368, 49407]]))

    siglip_dir = os.path.join(output, "siglip-base-16-256")
    if not os.path.exists(os.path.join(siglip_dir, "model.safetensors")):
        os.makedirs(siglip_dir, exist_ok=True)
        config = SiglipConfig(vision_config={"image_size": 256, "patch_size": 16})
        SiglipModel(config).save_pretrained(siglip_dir, safe_serialization=True)
        copy_tokenizer("tiny-siglip", siglip_dir, ["spiece.model"])
    siglip = SiglipModel.from_pretrained(siglip_dir).eval()
    # SigLIP text is always padded to 64 tokens
    time_model("siglip-base-16-256", siglip, 256, torch.tensor([[4, 14, 19, 23, 3, 13, 4, 38] + [1] * 56]))


if __name__ == "__main__":
    main()
