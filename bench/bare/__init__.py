"""Bench-only Django settings, URLs and the bare claim endpoint (never in the product's URLs)."""
