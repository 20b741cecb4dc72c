"""The coverage engine: what the policy pays for each cost line, and why (DOMAIN section I)."""
