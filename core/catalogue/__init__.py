"""The catalogue of administrative units: codes, levels, names over time (2024 and
later), and the resolver that matches a written name to a unit."""
