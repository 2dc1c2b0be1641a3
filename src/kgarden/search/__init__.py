"""Retrieval and answering: hybrid paper search, cited answers, fuzzy concept lookup."""
