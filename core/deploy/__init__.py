"""Serving: how a trained tutor runs outside the studio.

- vllm.py   the exact `vllm serve ... --enable-lora --lora-modules NAME=PATH` command for a base and its
            adapters, and loading an adapter into a running vLLM server
"""
