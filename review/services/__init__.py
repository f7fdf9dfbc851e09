"""What the review app reads and writes, one subject a module, on top of store/repository.py. Plain functions
over a Session; the caller (a route) owns the transaction."""
