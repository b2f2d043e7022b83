"""Builders the tests share: the repository's own configuration, databases, the use cases as
bootstrap wires them, real servers on loopback, and the console seen through a browser."""
