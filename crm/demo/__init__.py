"""The demo data set behind `manage.py seed_demo` (deterministic for a seed)."""
