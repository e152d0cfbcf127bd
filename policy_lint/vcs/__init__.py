"""Reading a git repository: revisions, the index, what changed between them (``diff --base``)."""
