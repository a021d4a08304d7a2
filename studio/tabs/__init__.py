"""The studio tabs, one module per pipeline stage."""
