"""Test support: fixtures and local servers shared by the test suites (never imported by the product)."""
