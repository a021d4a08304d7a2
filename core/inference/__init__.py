"""Inference: one ChatBackend protocol, two implementations.

- backend.py               ChatBackend, GenerationConfig, Usage, ChatReply, StreamEvent, errors
- transformers_backend.py  TransformersBackend: in process, one base model, LoRA adapters switched per request
    generation.py          one batched generate() call; streaming.py splits its token stream per request
    scoring.py             per-token log-probabilities of a reply (for evaluation)
- openai_backend.py        OpenAICompatibleBackend: vLLM / Ollama / OpenAI over HTTP
    http_retry.py          deadlines, retries with backoff, readable HTTP errors; openai_wire.py parses replies
"""
