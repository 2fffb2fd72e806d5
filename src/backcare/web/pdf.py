"""HTML to PDF with WeasyPrint (imported here only: it is slow to import)."""
from __future__ import annotations


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
