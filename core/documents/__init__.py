"""Documents stage: course material in (PDF, DOCX, PPTX, HTML, Markdown), markdown and chunks out."""
