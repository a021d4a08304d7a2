"""Tests of the GPU paths: the GPU environment resolves; CUDA training, bf16, unsloth (skipped without CUDA)."""
