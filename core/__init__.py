"""Tutor Studio core library: formats, store, jobs, models, training and evaluation (no UI)."""
