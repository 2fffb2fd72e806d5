"""The clinical core: the case and assessment contract and the reasoning over it, pure.

What lives here: the case and assessment models (`case`, `assessment`), reading
cases (`caseio`, `errors`), the shared vocabulary (`vocabulary`, with
`vocabulary.yaml`), the engine (`engine/`), the knowledge base (`knowledge/`,
YAML with sources), the SOAP draft (`soap`), the referral letter (`letters`),
the Python API (`api.assess`), example cases (`examples/`), and the files the
command line's fast start is generated from (`generate`, `_generated/`).

It may import nothing from backcare but the shared leaf `backcare.safetext`,
and no web, storage or command-line library; `tests/test_architecture.py`
checks this. Nothing is imported here on purpose: the command line's fast path
imports `clinical._generated` and the engine without pydantic.
"""
