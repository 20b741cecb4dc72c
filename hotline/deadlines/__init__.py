"""Deadlines of a case (rows recomputed from the facts) and the reminders that chase them."""
