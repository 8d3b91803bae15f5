"""The baseline: therapies and seed-document references, as data (therapies.toml, references.toml)."""
