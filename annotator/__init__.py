"""annotator: read several outlets' reports of one story side by side and tag claims."""

__version__ = "0.1.0"
