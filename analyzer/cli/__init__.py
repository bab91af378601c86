"""python -m analyzer: the parser and one module per command group."""
