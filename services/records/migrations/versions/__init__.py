"""One module per revision, chained by ``down_revision``."""
