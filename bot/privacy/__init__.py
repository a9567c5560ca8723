"""Privacy: everything stored about a client, shown, exported (and later erased)."""
