"""The supervisor's workspace: call history and search, quality checks (质检) and reviews,
the daily report, retention, and the pages that show them."""
