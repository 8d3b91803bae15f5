"""The baseline as data: therapies.toml and references.toml."""
