"""Presentation helpers shared by the Streamlit pages (the thin shell around `core`)."""
