"""The normalized inventory: the contract between sources (files, live AWS) and checks."""
