"""The offline `tiny` model: a ChatML tokenizer and a tiny Qwen2 model, built locally in well under a second.

    from core.models.tiny import ensure_tiny_model
    folder = ensure_tiny_model(workspace)        # workspace/models/tiny, built on first use

It exists so that every stage (training, evaluation, compare) runs offline and in tests. The tokenizer
is a byte-level BPE trained with `tokenizers` on tiny_corpus.md; the weights are drawn from a fixed
seed with numpy and written as safetensors, so torch is not needed and two builds are byte-identical.
The chat template marks assistant turns with {% generation %} so TRL's assistant_only_loss works.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from core.models.folder_build import folder_lock, replace_folder, staging_folder
from core.paths import Workspace

log = logging.getLogger(__name__)

TINY_NAME = "tiny"
# Bump when the corpus, template, config or weight recipe changes: older builds are then rebuilt.
TINY_RECIPE_VERSION = 1
MARKER_FILE = "tiny.json"
CORPUS_PATH = Path(__file__).with_name("tiny_corpus.md")
SEED = 1234
VOCAB_SIZE = 2048
ENDOFTEXT, IM_START, IM_END = "<|endoftext|>", "<|im_start|>", "<|im_end|>"
SPECIAL_TOKENS = [ENDOFTEXT, IM_START, IM_END]
HIDDEN, LAYERS, HEADS, KV_HEADS, INTERMEDIATE, MAX_POSITIONS = 64, 2, 4, 2, 128, 2048
INIT_STD = 0.02
QWEN2_SPLIT_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}"
    "{{- '\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def ensure_tiny_model(workspace: Workspace) -> Path:
    """The workspace's tiny model folder, built on first use (safe when several processes race)."""
    return ensure_tiny_at(workspace.models_dir / TINY_NAME)


def ensure_tiny_at(folder: Path) -> Path:
    """Build the tiny model into `folder` unless a build of the current recipe is already there."""
    if is_current_build(folder):
        return folder
    with folder_lock(folder):
        if is_current_build(folder):
            return folder
        with staging_folder(folder) as staging:
            build_tiny_model(staging)
            replace_folder(staging, folder)
    log.info("built the offline tiny model in %s", folder)
    return folder


def is_current_build(folder: Path) -> bool:
    try:
        marker = json.loads((folder / MARKER_FILE).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("recipe_version") == TINY_RECIPE_VERSION


def build_tiny_model(folder: Path) -> None:
    """Write tokenizer, chat template, config and weights into an existing empty folder."""
    tokenizer = train_tokenizer()
    vocab = tokenizer.get_vocab()
    ids = {token: vocab[token] for token in SPECIAL_TOKENS}
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "chat_template.jinja").write_text(CHAT_TEMPLATE)
    _write_json(folder / "tokenizer_config.json", _tokenizer_config())
    _write_json(folder / "config.json", _model_config(len(vocab), ids))
    _write_json(
        folder / "generation_config.json",
        {"bos_token_id": None, "eos_token_id": ids[IM_END], "pad_token_id": ids[ENDOFTEXT]},
    )
    _write_weights(folder / "model.safetensors", len(vocab))
    _write_json(
        folder / MARKER_FILE, {"name": TINY_NAME, "recipe_version": TINY_RECIPE_VERSION, "seed": SEED}
    )


def train_tokenizer() -> Any:
    """A byte-level BPE tokenizer trained on the built-in corpus, pre-tokenized exactly as Qwen2's.

    transformers loads a `qwen2` model's tokenizer as Qwen2Tokenizer, which re-applies Qwen2's NFC
    normalizer and split pattern; training with the same ones keeps tokenizer.json and that class in step.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_SPLIT_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([CORPUS_PATH.read_text(encoding="utf-8")], trainer)
    return tokenizer


def _tokenizer_config() -> dict[str, Any]:
    return {
        "tokenizer_class": "Qwen2Tokenizer",
        "bos_token": None,
        "eos_token": IM_END,
        "pad_token": ENDOFTEXT,
        "unk_token": None,
        "model_max_length": MAX_POSITIONS,
        "clean_up_tokenization_spaces": False,
        "padding_side": "left",
    }


def _model_config(vocab_size: int, ids: dict[str, int]) -> dict[str, Any]:
    return {
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "vocab_size": vocab_size,
        "hidden_size": HIDDEN,
        "intermediate_size": INTERMEDIATE,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_key_value_heads": KV_HEADS,
        "max_position_embeddings": MAX_POSITIONS,
        "hidden_act": "silu",
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "attention_dropout": 0.0,
        "initializer_range": INIT_STD,
        "tie_word_embeddings": True,
        "use_cache": True,
        "use_sliding_window": False,
        "sliding_window": None,
        "bos_token_id": None,
        "eos_token_id": ids[IM_END],
        "pad_token_id": ids[ENDOFTEXT],
        "dtype": "float32",
    }


def weight_shapes(vocab_size: int) -> dict[str, tuple[int, ...]]:
    """Qwen2 parameter names and shapes; lm_head is tied to the embedding, so it is not stored."""
    head_dim = HIDDEN // HEADS
    kv = KV_HEADS * head_dim
    shapes: dict[str, tuple[int, ...]] = {"model.embed_tokens.weight": (vocab_size, HIDDEN)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        shapes |= {
            p + "self_attn.q_proj.weight": (HIDDEN, HIDDEN),
            p + "self_attn.q_proj.bias": (HIDDEN,),
            p + "self_attn.k_proj.weight": (kv, HIDDEN),
            p + "self_attn.k_proj.bias": (kv,),
            p + "self_attn.v_proj.weight": (kv, HIDDEN),
            p + "self_attn.v_proj.bias": (kv,),
            p + "self_attn.o_proj.weight": (HIDDEN, HIDDEN),
            p + "mlp.gate_proj.weight": (INTERMEDIATE, HIDDEN),
            p + "mlp.up_proj.weight": (INTERMEDIATE, HIDDEN),
            p + "mlp.down_proj.weight": (HIDDEN, INTERMEDIATE),
            p + "input_layernorm.weight": (HIDDEN,),
            p + "post_attention_layernorm.weight": (HIDDEN,),
        }
    shapes["model.norm.weight"] = (HIDDEN,)
    return shapes


def _write_weights(path: Path, vocab_size: int) -> None:
    import numpy as np
    from safetensors.numpy import save_file

    rng = np.random.default_rng(SEED)
    tensors = {}
    for name, shape in weight_shapes(vocab_size).items():
        if name.endswith("norm.weight"):
            tensors[name] = np.ones(shape, dtype=np.float32)
        elif name.endswith(".bias"):
            tensors[name] = np.zeros(shape, dtype=np.float32)
        else:
            tensors[name] = (rng.standard_normal(shape, dtype=np.float32) * INIT_STD).astype(np.float32)
    save_file(tensors, str(path), metadata={"format": "pt"})


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
