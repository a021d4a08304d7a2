"""Tutor Studio browser UI (Gradio): layout and wiring over core/."""
