"""The pieces of scripts/coverage_matrix.py: operations from the SDKs, probing, test scanning,
scope and rendering."""
