"""Tutor Studio tests: tests/core mirrors core/, tests/studio mirrors studio/, e2e drives the running app."""
