"""The benchmark of annotator (SPEC §8, issue 7): `python -m bench`, or `make bench`.

Every figure is a ratio against a baseline measured in the same run, the median of several
runs; `bench/results.json` keeps every sample. See bench/README.md for what each section
measures and how.
"""
