"""Storage: the schema, the engine, migrations, reads and writes of figures, uploads and
quotas, and the roll-ups. All SQL lives here."""
