"""Web adapter: FastAPI pages (Jinja2 + htmx) and the JSON API over `records.Records`."""
