"""Tests of the web app (`cpts serve`)."""
