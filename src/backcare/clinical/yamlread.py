"""The one YAML loader for case files and the vocabulary: PyYAML's safe loader, in C (libyaml) where
the wheel has it (the same documents, read about ten times faster). A module of its own, without
pydantic, so the command line's fast path reads a case exactly as the full path does."""
from __future__ import annotations


def yaml_loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str):
    import yaml

    return yaml.load(text, Loader=yaml_loader())
