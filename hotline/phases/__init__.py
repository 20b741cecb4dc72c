"""The response workflow of a case: phase states and task checklists (rules in workflows/phases.py)."""
