"""The supervisor's pages on the workspace foundation (``handoff.web``): call history and
search, a call with its recording, the review queue, the daily report, the audit log.

Templates here extend the foundation's ``base.html`` (an overlay of its Jinja2
environment); the page script and style are served from ``static/`` by name.
"""
