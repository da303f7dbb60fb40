"""The program's version, in a leaf module: the catalogue cache and exports read it
without importing the package's front door."""

__version__ = "0.1.0"
