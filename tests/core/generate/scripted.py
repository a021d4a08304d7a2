"""A scripted, well-behaved LLM teacher for the local OpenAI-compatible test server (tests and benchmark).

    server.reply_fn = teacher_reply     # derive prompts get a question as JSON, write prompts a conversation

The conversation follows the policy (empathy, a reason to work it out, a guiding question per turn, the
student reaches the answer first), so the filters keep it; it is built from the request, so different
chunks give different conversations and near-duplicate detection leaves them alone.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

# Each first reply acknowledges the feeling, says why working it out helps and steers back to the
# lesson, so it suits every student intent.
FIRST_REPLIES = (
    "I hear you, and it's okay to feel stuck; let's stay with the lesson and work it out together, it will help "
    "you remember it. Which part of the lesson talks about {subject}?",
    "That sounds frustrating, and that's normal. I won't just give it away, but let's get back to the lesson: "
    "where does it mention {subject}?",
    "Don't worry, getting stuck happens to everyone. Let's focus on the lesson together so it sticks better. "
    "What does the lesson say first about {subject}?",
)
SECOND_REPLIES = (
    "Nice thinking. What does that part say, in your own words?",
    "Good, you're on the right track. How would you explain that sentence to a friend?",
    "That's a good start. Which words in that sentence matter most for {subject}?",
)
LAST_REPLIES = (
    "Exactly, well done! Can you give an example of {subject}?",
    "That's right, great work getting there yourself. Where else might {subject} show up?",
    "Yes, you worked it out! Why do you think {subject} matters in this lesson?",
)


def _between(text: str, start: str, end: str = "\n") -> str:
    found = re.search(re.escape(start) + r"\s*(.*?)" + re.escape(end), text + "\n", flags=re.S)
    return found.group(1).strip() if found else ""


def teacher_reply(body: dict[str, Any]) -> str:
    """A well-behaved teacher: a derivation for the excerpt, then a policy-following conversation."""
    system = body["messages"][0]["content"]
    user = body["messages"][-1]["content"]
    if "study questions" in system:
        excerpt = _between(user, "<excerpt>", "</excerpt>")
        words = re.findall(r"[A-Za-z]{6,}", excerpt)
        subject, detail = words[0].lower(), " ".join(words[1:4]).lower()
        return json.dumps(
            {
                "question": f"What does the lesson say about {subject}?",
                "reference_answer": f"It says {detail}.",
                "final_answer": detail,
            }
        )
    question = _between(user, "The student's question:")
    final = _between(user, "Final answer the student should reach:")
    subject = question.rsplit(" ", 1)[-1].rstrip("?")
    opening = re.split(r"(?<=[.!?])\s", _between(user, "<excerpt>", "</excerpt>"))[0]
    pick = zlib.crc32(user.encode())  # the same request always gets the same wording; others vary
    first = FIRST_REPLIES[pick % len(FIRST_REPLIES)].format(subject=subject)
    second = SECOND_REPLIES[pick // 7 % len(SECOND_REPLIES)].format(subject=subject)
    last = LAST_REPLIES[pick // 49 % len(LAST_REPLIES)].format(subject=subject)
    return json.dumps(
        {
            "messages": [
                {"role": "user", "content": f"{question} Just tell me, I'm so frustrated with this."},
                {"role": "assistant", "content": first},
                {"role": "user", "content": f"The part about {subject}, I think. It starts: {opening}"},
                {"role": "assistant", "content": second},
                {"role": "user", "content": f"It says {final}."},
                {"role": "assistant", "content": last},
            ]
        }
    )
