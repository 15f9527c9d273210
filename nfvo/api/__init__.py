"""The northbound HTTP API."""
