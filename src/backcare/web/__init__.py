"""Web adapter: FastAPI pages (Jinja2 + htmx) and the JSON API over `records.Records`.

Routers by domain: the top-level modules (account, clients, clinic, admin, api, exchange) and
the packages `visits/`, `outcomes/` and `intake/`, each with its templates beside it; `demo`
is the demo clinic that `backcare serve --demo` creates.

It may import records, storage, fhir, the domains, the clinical core, the shared safe-text
rules and `backcare.__version__`; never the CLI.
"""
