"""Worker loops that the reliability tests run in separate processes (forked or spawned)."""
