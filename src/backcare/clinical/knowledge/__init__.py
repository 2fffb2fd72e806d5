"""The knowledge base: clinical knowledge as YAML with sources (`data/`), its schema, the loader
that validates and normalises it, the runtime the engine reads (from `_generated/knowledge.json`
when current), and the content hash that versions it.

Part of the clinical core: it imports the core's case model, errors, vocabulary and the engine's
predicate compiler; nothing outside the core.
"""
