"""Documents stage: course material in (PDF, DOCX, PPTX, XLSX, HTML, Markdown, text), markdown and chunks out.

- formats.py    which files are read, what a file really is (magic bytes), text decoding
- limits.py     check_file(): size, pages, encryption, damage, zip bombs, content vs extension
- ingest.py     ingest_files(), load_demo_course(), rechunk_document(): checks, dedup, one job per file
- worker.py     convert_document_job (warm job target), process_document(): convert, chunk, save
- converter.py  convert_file(): Docling, the PDF pipeline choice, HTML without fetching, time limit
- pdf_repair.py repair_native_document(): paragraphs, headings, lists, tables from line items
- chunking.py   chunk_document(): token-sized chunks with their heading path
- tokens.py     text_token_counter(): the base model's tokenizer when local, else tiny's
- edits.py      edit_chunk(): exclude/include, merge with next, split; split_points()
- overview.py   documents_overview(), document_detail(): what the tab and the CLI show
- records.py    typed access to the documents and chunks tables (what other stages read)

Docling is imported only inside functions: the studio's process never loads it.
"""
