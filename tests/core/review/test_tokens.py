"""Token counts match transformers' own chat-template rendering, and counting stays free of torch."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.review.tokens import TokenCounter
from tests.core.review.conftest import chat

ROOT = Path(__file__).resolve().parents[3]


def test_counts_equal_transformers_apply_chat_template(counter: TokenCounter, tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    conversations = [
        chat("What is 1/4 + 2/3?", "What denominator could both share?"),
        chat(
            "Pourquoi les feuilles sont vertes ? 🌿",
            "Quelle couleur la chlorophylle réfléchit-elle ?",
            system="Sois bref.",
        ),
    ]
    expected = [
        len(tokenizer.apply_chat_template(c, tokenize=True, return_dict=False)) for c in conversations
    ]
    assert counter.count_many(conversations) == expected
    assert counter.max_length == 2048


def test_counting_tokens_does_not_import_torch(tiny_model_dir: Path) -> None:
    code = (
        "import sys\n"
        "from core.review.tokens import load_counter\n"
        "from core.models.spec import ResolvedBase\n"
        f"c = load_counter(ResolvedBase('tiny', 'tiny', {str(tiny_model_dir)!r}, 'tiny'))\n"
        "assert c.count([{'role': 'user', 'content': 'hi'}]) > 0\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=1, max_size=300).filter(str.strip), min_size=1, max_size=8))
def test_a_conversation_said_to_fit_without_counting_really_fits(
    counter: TokenCounter, texts: list[str]
) -> None:
    messages = chat(*texts)
    overhead = counter.shape(tuple(m["role"] for m in messages)).overhead
    assert overhead is not None  # ChatML copies each content once
    bound = overhead + sum(len(m["content"].encode()) for m in messages)
    assert counter.count(messages) <= bound
    if counter.surely_fits(messages):
        assert counter.count(messages) <= (counter.max_length or 0)


def test_a_template_that_escapes_content_is_always_rendered(counter: TokenCounter) -> None:
    escaping = replace(
        counter, template="{% for m in messages %}{{ m['content'] | tojson }}{% endfor %}", _shapes={}
    )
    assert escaping.shape(("user", "assistant")).overhead is None
    assert not escaping.surely_fits(chat("Hi", "Hello?"))
    assert counter.surely_fits(chat("Hi", "Hello?"))
