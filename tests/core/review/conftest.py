"""Fixtures of the dataset tests: token counters over the session's tiny model, and example factories.

def test_x(store, counter): ids = add_examples(store, 3, intent="confused")
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.models.spec import ResolvedBase
from core.review.records import NewExample, insert_examples
from core.review.tokens import TokenCounter, load_counter
from core.store import Store

# Mistral-style: roles must alternate user/assistant and a system message is refused.
STRICT_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'system' %}{{ raise_exception('System role not supported') }}{%- endif %}"
    "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{%- endif %}"
    "{{ '[' + message['role'] + '] ' + message['content'] + eos_token }}"
    "{%- endfor %}"
)


@pytest.fixture(scope="session")
def counter(tiny_model_dir: Path) -> TokenCounter:
    """Counts with the tiny model's ChatML template and tokenizer (context length 2048)."""
    return load_counter(ResolvedBase("tiny", "tiny", str(tiny_model_dir), "tiny"))


@pytest.fixture(scope="session")
def strict_counter(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TokenCounter:
    """The tiny tokenizer with a template that forbids consecutive roles, and a 64-token context."""
    folder = tmp_path_factory.mktemp("strict") / "strict-model"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "chat_template.jinja").write_text(STRICT_TEMPLATE)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config["model_max_length"] = 64
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return load_counter(ResolvedBase(str(folder), "local", str(folder), "strict-model"))


def chat(*turns: str, system: str | None = None) -> list[dict[str, str]]:
    """Alternating student/tutor messages, starting with the student."""
    messages = [{"role": "system", "content": system}] if system else []
    roles = ("user", "assistant")
    return messages + [{"role": roles[i % 2], "content": text} for i, text in enumerate(turns)]


def add_examples(store: Store, count: int, **fields: object) -> list[str]:
    """`count` distinct pending examples (override any NewExample field); returns their ids."""
    examples = [
        NewExample(
            messages=chat(f"Question {i}: what is {i} + {i}?", f"What do you get when you count on {i}?"),
            **fields,
        )  # type: ignore[arg-type]
        for i in range(count)
    ]
    with store.transaction() as conn:
        return insert_examples(conn, examples)
