"""`ohcheck event preflight`: every team's subscription checked before the event (names, quota, rights)."""
