"""The review app's routes, one router per subject; each route declares what it needs (deps.py)."""
