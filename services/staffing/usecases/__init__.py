"""Use cases of the staffing service: planning, the intraday loop, alerts."""
