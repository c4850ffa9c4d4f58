"""Engines run stage functions over shards; stages never know which engine runs them."""
