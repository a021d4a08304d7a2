"""Generate: synthetic Socratic tutor conversations from the course chunks.

    config = SynthConfig(teacher=TeacherConfig(), per_chunk=8, mix=StudentMix.default())
    start = submit_generation(store, workspace, config)    # a job; items are recorded for resume
    status = run_status(store, start.run_id)                # kept / filtered / failed, rate, ETA, latest
    preview = preview_examples(store, workspace, config)    # 3 conversations, not stored

- intents.py    student personas/intents and the mix (weights) across a run
- teachers.py   the Teacher protocol, the chunk a teacher sees, and the model (LLM) teacher
- prompts.py    prompts for an LLM teacher and the parsers of its JSON answers
- facts.py      facts the offline template teacher finds in a chunk
- template.py   the offline template teacher: no model, for demos and tests (phrasings.py: its wording)
- filters.py    judge a conversation: parse, length, leak, guiding question, policy, topic, injection
- dedup.py      near-duplicate detection (MinHash over word shingles)
- pipeline.py   one item: derive -> write -> judge; and the preview
- teacher_config.py  template | OpenAI-compatible URL | local hf model, as plain data; build_teacher
- config.py     SynthConfig: what a run generates (its field descriptions are the tab's and the flags' help)
- records.py    generation runs and items in the store (resume skips finished items)
- job.py        plan a run; start, stop and resume its background job
- engine.py     the job's engine: a worker pool, duplicate checks, batched commits, progress
- status.py     what the Generate tab and the CLI show about a run
- summary.py    GenerationSummary: what one job did, as `generate --json` prints it
"""
