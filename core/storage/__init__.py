"""Storage: the schema (every table), the engine, migrations, reads and writes of figures,
uploads and quotas, the roll-ups that answer "figures as of a date", and the small helpers
every read shares (values). Above the catalogue only; every other package stores through it."""
