"""Offline knowledge about AWS: actions, condition keys, partitions and regions."""
