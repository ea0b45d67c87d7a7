"""Create tiny random CLIP and SigLIP checkpoints and their reference outputs for the Swift tests.

Usage: .cache/reference-venv/bin/python scripts/reference/make_clip_fixtures.py

The reference venv sees Debian's torch 1.13 (apt install python3-torch) because it is created
with --system-site-packages; transformers and sentencepiece are pinned from PyPI:

    /usr/bin/python3 -m venv --system-site-packages .cache/reference-venv
    .cache/reference-venv/bin/pip install transformers==4.40.2 sentencepiece==0.2.0 \
        safetensors==0.4.3 protobuf==4.25.3

Writes Tests/InferenceTests/Fixtures/tiny-clip/ and tiny-siglip/ (config, safetensors weights,
tokenizer files) and reference.json in each: token ids of several sentences, text and image
embeddings, and the preprocessed pixels of real photos from skimage. The networks keep the
real architectures and input sizes (224 px with 32 px patches, 256 px with 16 px patches) but
have 2 layers of width 32. The CLIP vocabulary is a byte-level BPE learned here with a few
hundred merges, in the layout of OpenAI's (bytes, bytes with </w>, merges, then the two
special tokens); the SigLIP vocabulary is a small SentencePiece unigram model trained here.
"""

import hashlib
import json
import os
import re
import sys
import tempfile

import numpy as np
import sentencepiece
import torch
from PIL import Image
from transformers import (
    CLIPConfig,
    CLIPImageProcessor,
    CLIPModel,
    CLIPTokenizer,
    CLIPTokenizerFast,
    SiglipConfig,
    SiglipImageProcessor,
    SiglipModel,
    SiglipTokenizer,
)
from transformers.models.clip.tokenization_clip import bytes_to_unicode

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "Tests", "InferenceTests", "Fixtures")
PHOTOS = "/usr/lib/python3/dist-packages/skimage/data"
PHOTO_NAMES = ["chelsea.png", "coffee.png", "astronaut.png"]
SENTENCES = [
    "a photo of a cat",
    "A Dog, running on the beach!",
    "Café crème brûlée à Paris",
    "東京の夜景 and a cup of coffee",
    "  multiple   spaces\tand\nnewlines  ",
    "It's 3:45 p.m. -- what's up? #rocket",
    "an astronaut in a white suit holding a flag",
]
CORPUS = """
a photo of a cat. a photo of a dog. a cup of coffee on a table. an astronaut in space.
the rocket is on the launch pad. a motorcycle parked on the street. people walking in the
city at night. a dog running on the beach with the waves. a white cat sleeping on a sofa.
the quick brown fox jumps over the lazy dog. it's a sunny day and we're going outside.
café crème brûlée à paris, résumé naïve façade. what's up? the time is 3:45 p.m.
"""
SAMPLE_STRIDE = 97


def learn_clip_bpe(corpus, merge_count):
    """Learn byte-level BPE merges on corpus words, in OpenAI CLIP's vocabulary layout."""
    byte_encoder = bytes_to_unicode()
    pattern = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[a-z\u00c0-\u024f]+|[0-9]|[^\sa-z0-9\u00c0-\u024f]+")
    words = {}
    for token in pattern.findall(corpus.lower()):
        symbols = tuple(byte_encoder[b] for b in token.encode("utf-8"))
        symbols = symbols[:-1] + (symbols[-1] + "</w>",)
        words[symbols] = words.get(symbols, 0) + 1
    merges = []
    for _ in range(merge_count):
        pairs = {}
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] = pairs.get(pair, 0) + count
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda pair: pairs[pair])
        merges.append(best)
        merged_words = {}
        for symbols, count in words.items():
            output = []
            index = 0
            while index < len(symbols):
                if index + 1 < len(symbols) and (symbols[index], symbols[index + 1]) == best:
                    output.append(symbols[index] + symbols[index + 1])
                    index += 2
                else:
                    output.append(symbols[index])
                    index += 1
            merged_words[tuple(output)] = merged_words.get(tuple(output), 0) + count
        words = merged_words
    characters = list(byte_encoder.values())
    vocabulary = characters + [c + "</w>" for c in characters]
    for first, second in merges:
        vocabulary.append(first + second)
    vocabulary += ["<|startoftext|>", "<|endoftext|>"]
    return {token: index for index, token in enumerate(vocabulary)}, merges


def pixel_summary(pixel_values, crop_uint8):
    flat = pixel_values.reshape(-1).astype(np.float64)
    return {
        "shape": list(pixel_values.shape),
        "crop_sha256": hashlib.sha256(crop_uint8.tobytes()).hexdigest(),
        "sample_stride": SAMPLE_STRIDE,
        "sampled_values": [round(float(v), 7) for v in flat[::SAMPLE_STRIDE]],
        "sum": float(flat.sum()),
    }


def rounded(vector):
    return [round(float(v), 7) for v in vector]


def make_clip(output):
    os.makedirs(output, exist_ok=True)
    vocabulary, merges = learn_clip_bpe(CORPUS, 300)
    with tempfile.TemporaryDirectory() as scratch:
        vocab_path = os.path.join(scratch, "vocab.json")
        merges_path = os.path.join(scratch, "merges.txt")
        with open(vocab_path, "w", encoding="utf-8") as file:
            json.dump(vocabulary, file, ensure_ascii=False)
        with open(merges_path, "w", encoding="utf-8") as file:
            file.write("#version: 0.2\n")
            for first, second in merges:
                file.write(f"{first} {second}\n")
        CLIPTokenizer(vocab_path, merges_path).save_pretrained(output)
    # AutoTokenizer's choice and the closest to OpenAI's: NFC, whitespace runs to one space,
    # lowercase, the letter/number/other regex, byte-level BPE. The slow CLIPTokenizer without
    # ftfy splits CJK ideographs one by one instead.
    tokenizer = CLIPTokenizerFast.from_pretrained(output)
    tokenizer.save_pretrained(output)

    eos_id = vocabulary["<|endoftext|>"]
    config = CLIPConfig(
        text_config={
            "vocab_size": len(vocabulary),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "max_position_embeddings": 77,
            "hidden_act": "quick_gelu",
            "bos_token_id": vocabulary["<|startoftext|>"],
            "eos_token_id": eos_id,
            "pad_token_id": eos_id,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "image_size": 224,
            "patch_size": 32,
            "hidden_act": "quick_gelu",
        },
        projection_dim=24,
    )
    torch.manual_seed(1)
    model = CLIPModel(config).eval()
    randomise_norms(model)
    model.save_pretrained(output, safe_serialization=True)
    processor = CLIPImageProcessor()  # the defaults are openai/clip-vit-base-patch32's
    processor.save_pretrained(output)

    reference = {"sentences": [], "photos": []}
    with torch.no_grad():
        for text in SENTENCES:
            ids = tokenizer(text)["input_ids"]
            features = model.get_text_features(input_ids=torch.tensor([ids]))[0]
            features = features / features.norm()
            reference["sentences"].append({"text": text, "token_ids": ids, "embedding": rounded(features)})
        for name in PHOTO_NAMES:
            image = Image.open(os.path.join(PHOTOS, name)).convert("RGB")
            pixels = processor(images=image, return_tensors="pt")["pixel_values"]
            crop = processor.center_crop(
                processor.resize(np.asarray(image), size={"shortest_edge": 224}, resample=3, input_data_format="channels_last"),
                size={"height": 224, "width": 224},
                input_data_format="channels_last",
            )
            features = model.get_image_features(pixel_values=pixels)[0]
            features = features / features.norm()
            entry = {"photo": name, "embedding": rounded(features)}
            entry.update(pixel_summary(pixels[0].numpy(), np.ascontiguousarray(crop)))
            reference["photos"].append(entry)
    write_json(os.path.join(output, "reference.json"), reference)


def train_sentencepiece(output_dir):
    with tempfile.TemporaryDirectory() as scratch:
        corpus_path = os.path.join(scratch, "corpus.txt")
        with open(corpus_path, "w", encoding="utf-8") as file:
            for line in CORPUS.strip().splitlines():
                file.write(line.lower() + "\n")
            for sentence in SENTENCES[:3]:
                file.write(sentence.lower() + "\n")
        prefix = os.path.join(scratch, "spiece")
        sentencepiece.SentencePieceTrainer.train(
            input=corpus_path,
            model_prefix=prefix,
            model_type="unigram",
            vocab_size=90,
            character_coverage=1.0,
            pad_id=0,
            eos_id=1,
            unk_id=2,
            bos_id=-1,
            pad_piece="<pad>",
            eos_piece="</s>",
            unk_piece="<unk>",
            normalization_rule_name="nmt_nfkc",
            minloglevel=2,
        )
        path = os.path.join(output_dir, "spiece.model")
        with open(prefix + ".model", "rb") as source, open(path, "wb") as target:
            target.write(source.read())
    return path


def make_siglip(output):
    os.makedirs(output, exist_ok=True)
    tokenizer = SiglipTokenizer(train_sentencepiece(output))
    tokenizer.save_pretrained(output)
    config = SiglipConfig(
        text_config={
            "vocab_size": tokenizer.vocab_size,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "max_position_embeddings": 64,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "image_size": 256,
            "patch_size": 16,
        },
    )
    torch.manual_seed(2)
    model = SiglipModel(config).eval()
    randomise_norms(model)
    model.save_pretrained(output, safe_serialization=True)
    processor = SiglipImageProcessor(size={"height": 256, "width": 256})
    processor.save_pretrained(output)

    reference = {"sentences": [], "photos": []}
    with torch.no_grad():
        for text in SENTENCES:
            ids = tokenizer(text, padding="max_length", max_length=64, truncation=True)["input_ids"]
            features = model.get_text_features(input_ids=torch.tensor([ids]))[0]
            features = features / features.norm()
            reference["sentences"].append({"text": text, "token_ids": ids, "embedding": rounded(features)})
        for name in PHOTO_NAMES:
            image = Image.open(os.path.join(PHOTOS, name)).convert("RGB")
            pixels = processor(images=image, return_tensors="pt")["pixel_values"]
            crop = np.asarray(image.resize((256, 256), resample=Image.BICUBIC))
            features = model.get_image_features(pixel_values=pixels)[0]
            features = features / features.norm()
            entry = {"photo": name, "embedding": rounded(features)}
            entry.update(pixel_summary(pixels[0].numpy(), np.ascontiguousarray(crop)))
            reference["photos"].append(entry)
    write_json(os.path.join(output, "reference.json"), reference)


def randomise_norms(model):
    """Give LayerNorms and biases random values, so that a swapped weight cannot go unnoticed."""
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith(".bias") or "norm" in name.lower():
                parameter.add_(0.1 * torch.randn(parameter.shape, generator=generator))
            elif "probe" in name or "embedding" in name:
                parameter.mul_(20.0) if parameter.std() < 0.05 else None


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as file:
        json.dump(value, file, ensure_ascii=False, indent=1)
        file.write("\n")


def main():
    make_clip(os.path.join(FIXTURES, "tiny-clip"))
    make_siglip(os.path.join(FIXTURES, "tiny-siglip"))
    for folder in ("tiny-clip", "tiny-siglip"):
        path = os.path.join(FIXTURES, folder)
        total = sum(os.path.getsize(os.path.join(path, name)) for name in os.listdir(path))
        print(f"{folder}: {total} bytes in {sorted(os.listdir(path))}", file=sys.stderr)


if __name__ == "__main__":
    main()
