"""The case timeline (the audit log filtered by case), notes and calls, and response-time metrics."""
