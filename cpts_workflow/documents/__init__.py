"""Documents of a CPTS project, generated from templates and what the project knows.

A template is a folder `templates/<id>/` holding `meta.yaml` (title, stage, version,
output name, the questions it asks) and `template.md.j2` (Markdown + Jinja2). Rendering
runs in a sandbox with strict undefined variables; Markdown is then converted by pandoc
(HTML, DOCX, ODT) and by headless Chromium (PDF).

    from cpts_workflow.documents import Documents
    docs = Documents(ws)
    docs.generate("cpts-du-pays-d-aix", "statuts", "docx", out_dir=Path("."))
"""

from __future__ import annotations

from .service import Documents, GeneratedView
from .templates import FORMATS, Question, TemplateMeta

__all__ = ["FORMATS", "Documents", "GeneratedView", "Question", "TemplateMeta"]
