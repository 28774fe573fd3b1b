"""The web workspace: server-rendered pages for operators, supervisors and admins.

Jinja2 templates (``templates/``) with htmx for partial updates and Apache ECharts for
charts, all served from the package (``static/``, vendored by
``tools/vendor_web_assets.sh``). The pattern every page follows (docs/architecture.md):

- a *view* function reads through the owning packages' services and returns a pydantic
  model (the numbers);
- the JSON API returns that model, the page renders it, and each live part of the page is
  a partial template (``_name.html``) that the page includes and that its own route
  renders alone for htmx to swap in: one model, so the page, its partials and the API
  give the same numbers (each number carries ``data-metric="name"`` for the tests).
"""
