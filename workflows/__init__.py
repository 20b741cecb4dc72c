"""The response process as plain Python: phases, task templates, transitions, guards, deadline rules."""
