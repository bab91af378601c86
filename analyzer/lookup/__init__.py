"""One lookup: the engine that asks every market at once, and the recorder that keeps what it saw."""
