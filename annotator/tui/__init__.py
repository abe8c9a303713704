"""The terminal reader and annotator (Textual). Only this package imports Textual."""
