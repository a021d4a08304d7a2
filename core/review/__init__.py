"""Review and dataset stage: examples with revisions, validation, frozen dataset versions, import/export.

- records.py    typed access to examples, revisions, datasets (what Generate, Train and Evaluate use)
- tokens.py     token counts and the context length with the base model's tokenizer and chat template
- formats.py    reading one JSONL line (OpenAI chat or ShareGPT) into checked messages
- validation.py the checks shared by import, export, the Review tab and the CLI, streaming
- editing.py    saves as revisions with optimistic concurrency; restore
- bulk.py       bulk actions on a filtered selection, and their undo
- query.py      the Review table: filters, full-text search, sort, paging, next/previous
- stats.py      statistics for the plots, and the filters' choices
- review.py     one call per Review-tab action (screen, open, review step, restore)
- split.py      train/validation/test split by chunk, stratified by intent, seeded
- content.py    the exact chat and metadata lines of a dataset version
- build.py      freezing accepted examples into a dataset version (also as a job)
- export.py     atomic, byte-identical export to a folder and a zip
- importing.py  importing JSONL files (with their metadata sidecars) and the demo conversations
"""
