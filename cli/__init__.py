"""The `cpts` command: parse, call the library, print."""
