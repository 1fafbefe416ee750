"""End-to-end tests: a whole node as processes, driven by outside tools."""
