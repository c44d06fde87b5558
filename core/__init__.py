"""Everything that is not the screen, in one-way layers (docs/kien_truc.md), highest first:
cli > demo > exports > analytics > ingest > access > storage > catalogue > the base modules
(vocabulary, formatting, text, config, errors). Never imports streamlit or ui."""
