"""Contract tests: outputs other programs rely on (the CLI's `--json`) stay byte-for-byte the same."""
