"""Models: which base to run and how to get it (torch-free), and how to load it (lazy torch).

- hardware.py  describe_hardware(): CPU/GPU, found without torch
- spec.py      ModelSpec, Variant, resolve_base(): tiny | local folder | hub cache | hub, or a fallback
- tiny.py      ensure_tiny_model(): the offline test model, built locally
- download.py  ensure_base_local(): build tiny or download a hub model with progress
- loading.py   load_tokenizer(), load_causal_lm(), render_prompt(), count_tokens()
"""
