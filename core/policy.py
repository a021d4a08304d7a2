"""The tutor policy: how the tutor should behave, described once.

Generation writes conversations that follow it; Compare and Evaluate send it as the system prompt
of the "prompted" variant, so the comparison with the adapter (trained without it) is fair. The
default ships in assets/tutor_policy.md; a teacher's edits are stored in the workspace.
"""

from __future__ import annotations

from pathlib import Path

from core.store import Store

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "assets" / "tutor_policy.md"
SETTING_KEY = "tutor_policy"
MIN_POLICY_CHARS = 40


class PolicyError(ValueError):
    """The policy text cannot be used; the message says how to fix it."""


def default_policy() -> str:
    return DEFAULT_POLICY_PATH.read_text(encoding="utf-8").strip()


def current_policy(store: Store) -> str:
    """The workspace's edited policy, else the shipped default."""
    stored = store.get_setting(SETTING_KEY)
    return stored if isinstance(stored, str) and stored.strip() else default_policy()


def save_policy(store: Store, text: str) -> str:
    """Store an edited policy (an empty text restores the default) and return the policy now in force."""
    cleaned = text.strip()
    if cleaned and len(cleaned) < MIN_POLICY_CHARS:
        raise PolicyError(
            f"The tutor policy is only {len(cleaned)} characters long. Describe how the tutor should behave "
            "in a few sentences, or clear the box to go back to the default policy."
        )
    store.set_setting(SETTING_KEY, cleaned or None)
    return current_policy(store)
