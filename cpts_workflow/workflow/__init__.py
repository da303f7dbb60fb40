"""Workflows as data: definitions (pydantic, YAML), extensions, the catalogue and its
cache, versions and their differences, diagrams, the state machine and the guard registry.

This package imports no feature: guards are named in the files and registered by the
features that own them (`members`, `territory`), and a catalogue is told which names exist.
"""
