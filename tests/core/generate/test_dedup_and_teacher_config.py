"""Near-duplicates are found and different conversations are not; the teacher config never holds a key."""

from __future__ import annotations

import pytest

from core.generate.dedup import NearDuplicateIndex
from core.generate.teacher_config import TeacherConfig, TeacherConfigError, check_api_key, parse_teacher

BASE = [
    {
        "role": "user",
        "content": "How do I add 1/4 and 2/3? I'm confused about adding fractions with different bottoms.",
    },
    {
        "role": "assistant",
        "content": "Good question. What number could both 4 and 3 divide into, so the pieces match?",
    },
    {"role": "user", "content": "12? So 3/12 and 8/12, which makes 11/12."},
    {"role": "assistant", "content": "Exactly, well done! Why did we need the common denominator first?"},
]


def test_a_near_identical_conversation_is_a_duplicate() -> None:
    index = NearDuplicateIndex(threshold=0.8)
    index.add("ex_1", BASE)
    near = [dict(m) for m in BASE]
    near[0]["content"] = near[0]["content"].replace("I'm confused", "I am confused")
    found = index.find(near)
    assert found is not None and found[0] == "ex_1" and found[1] >= 0.8


def test_a_different_conversation_is_not_a_duplicate() -> None:
    index = NearDuplicateIndex(threshold=0.8)
    index.add("ex_1", BASE)
    other = [
        {"role": "user", "content": "What is inertia? The lesson mentions a bus braking."},
        {
            "role": "assistant",
            "content": "Nice question. What happens to your body when the bus stops suddenly?",
        },
    ]
    assert index.find(other) is None
    assert len(index) == 1


def test_parse_teacher_reads_each_kind_of_argument() -> None:
    assert parse_teacher("template") == TeacherConfig()
    hf = parse_teacher("hf:HuggingFaceTB/SmolLM2-1.7B-Instruct")
    assert hf.kind == "hf" and hf.label == "hf:HuggingFaceTB/SmolLM2-1.7B-Instruct"
    server = parse_teacher("http://127.0.0.1:8000", model="qwen", api_key_env="MY_KEY")
    assert server.base_url == "http://127.0.0.1:8000/v1" and server.label == "openai:qwen@127.0.0.1:8000"
    with pytest.raises(TeacherConfigError, match="not understood"):
        parse_teacher("ftp://example.org")
    with pytest.raises(TeacherConfigError, match="Name the model"):
        parse_teacher("http://127.0.0.1:8000/v1")


def test_an_api_key_pasted_where_the_variable_name_belongs_is_refused() -> None:
    with pytest.raises(TeacherConfigError, match="looks like an API key"):
        TeacherConfig(
            kind="openai", base_url="https://api.openai.com/v1", model="m", api_key_env="sk-abc123def456"
        )
    with pytest.raises(TeacherConfigError, match="not an environment variable name"):
        TeacherConfig(kind="openai", base_url="https://api.openai.com/v1", model="m", api_key_env="MY KEY")


def test_the_config_holds_the_variable_name_never_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_TEST_KEY", "sk-secret-value-123")
    config = TeacherConfig(
        kind="openai", base_url="https://api.example.org/v1", model="m", api_key_env="TUTOR_TEST_KEY"
    )
    check_api_key(config)
    assert "sk-secret-value-123" not in repr(config.to_dict())
    monkeypatch.delenv("TUTOR_TEST_KEY")
    with pytest.raises(TeacherConfigError, match="TUTOR_TEST_KEY is not set"):
        check_api_key(config)
