"""The catalogue of administrative units: each unit's code, name, type and parent, names over
time (2024 and later), and the resolver that matches a written name to a unit. The names of
levels and unit types are core.vocabulary's."""
