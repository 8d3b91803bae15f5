"""trd-tracker: literature monitoring and evidence tracking for treatment-resistant depression."""

__version__ = "0.1.0"
