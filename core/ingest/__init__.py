"""The import: from an office file's bytes to a reading a person can see and correct."""
