"""Tests of the Documents stage: limits, conversion, chunking, edits, ingest jobs, CLI."""
