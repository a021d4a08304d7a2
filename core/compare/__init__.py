"""Compare: the same student message to several variants side by side (the Compare tab and `tutor-studio chat`).

- variants.py      the variants a column can show (base | prompted | each adapter) and the Variant each runs
- backends.py      in-process transformers or an OpenAI-compatible server; ServingConfig; one backend per process
- session.py       one round: stream the message to every column at once; blind rounds are stored for a vote
- savings.py       input tokens prompted vs without the prompt, and what that is per day
- probes.py        the built-in probe set (assets/probes.yaml), shared with Evaluate
- scenarios.py     scenario buttons: held-out test conversations and probes
- server_check.py  is the server up, and does it serve the selected adapters (loading them at runtime)?
Blind votes, ratings and preference pairs are in core/compare.
"""
