"""Review and dataset stage: examples with revisions, validation, frozen dataset versions, import/export."""
