"""Markdown to the output formats.

pandoc (shipped by pypandoc-binary) writes HTML, DOCX and ODT; a PDF is the HTML printed
by headless Chromium, because pandoc needs a LaTeX engine for PDF and none is installed
on the machines we target (Chromium is one `apt install` away and prints our CSS as is).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import CptsError, Refused

# The templates' Markdown, without what could reach outside the text even if a value were
# not escaped: raw HTML, TeX and attributes, a YAML or title metadata block, citations, math.
MARKDOWN = (
    "markdown-raw_html-raw_attribute-raw_tex-yaml_metadata_block-pandoc_title_block"
    "-citations-tex_math_dollars-latex_macros"
)
# `--sandbox`: pandoc reads no file and fetches no URL beyond those named on its command
# line (an image `![x](/etc/passwd)` or `(http://…)` is not embedded).
SANDBOX = "--sandbox"
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "pdf": "application/pdf",
}

PRINT_CSS = """
@page { size: A4; margin: 2cm 2.5cm 2.2cm;
        @bottom-center { content: "Page " counter(page) " / " counter(pages);
                         font: 9pt "DejaVu Sans", Arial, sans-serif; color: #444; } }
div[data-custom-style="Saut de page"] { break-before: page; height: 0; overflow: hidden; }
div[data-custom-style="Champ de formulaire"] p { margin: .7em 0 0; text-align: left;
  white-space: nowrap; overflow: hidden; }
div[data-custom-style="Destinataire"] { margin: 1em 0 0 50%; }
div[data-custom-style="Destinataire"] p { text-align: left; }
html { font-family: "DejaVu Serif", Georgia, "Times New Roman", serif; font-size: 11pt;
       line-height: 1.45; color: #1a1a1a; }
body { max-width: 46em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; text-align: center; margin: 0 0 .8em; }
h2 { font-size: 1.15em; margin: 1.6em 0 .5em; border-bottom: 1px solid #bbb; padding-bottom: .15em;
     break-after: avoid; }
h3 { font-size: 1em; margin: 1.2em 0 .4em; break-after: avoid; }
p, li { text-align: justify; hyphens: auto; }
table { border-collapse: collapse; width: 100%; margin: .8em 0; font-size: .95em; }
th, td { border: 1px solid #999; padding: .45em .5em; vertical-align: top; text-align: left; }
th { background: #eee; }
blockquote { margin: .6em 0; padding: .3em .8em; font-size: .78em; line-height: 1.3; border-left: 3px solid #888; background: #f6f6f6; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
"""


class ConversionError(CptsError):
    """pandoc or Chromium failed."""


# Headless Chromium that makes no network call of its own (the machines here have none).
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _pandoc(markdown: str, to: str, title: str, extra: list[str] | None = None) -> bytes:
    import pypandoc

    with tempfile.TemporaryDirectory(prefix="cpts-doc-") as tmp:
        out = Path(tmp) / f"out.{to}"
        args = [
            SANDBOX,
            f"--metadata=pagetitle:{title}",
            "--metadata=lang:fr-FR",
            *reference_args(to),
            *(extra or []),
        ]
        try:
            pypandoc.convert_text(
                markdown, to, format=MARKDOWN, outputfile=str(out), extra_args=args
            )
        except (RuntimeError, OSError) as exc:
            raise ConversionError(f"pandoc n'a pas pu produire le format {to} : {exc}") from None
        return out.read_bytes()


def reference_args(to: str) -> list[str]:
    """The product's reference document (A4, French margins, page numbers, styles)."""
    from ..resources import templates_dir

    path = templates_dir() / "_reference" / f"reference.{to}"
    return [f"--reference-doc={path}"] if to in ("docx", "odt") and path.is_file() else []


def to_html(markdown: str, title: str) -> bytes:
    """A self-contained HTML page (CSS inline, no external resource)."""
    with tempfile.TemporaryDirectory(prefix="cpts-css-") as tmp:
        header = Path(tmp) / "style.html"
        header.write_text(f"<style>{PRINT_CSS}</style>\n", encoding="utf-8")
        return _pandoc(markdown, "html5", title, ["--standalone", f"--include-in-header={header}"])


def _run(command: list[str], tool: str, timeout: int) -> None:
    """Run a PDF printer; its own failure is judged by the file it leaves."""
    try:
        subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConversionError(
            f"{tool} n'a pas pu produire le PDF ({exc.__class__.__name__})."
        ) from None


def chromium_path() -> str | None:
    """`CPTS_CHROMIUM`, else the first Chromium/Chrome on PATH."""
    configured = os.environ.get("CPTS_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: bytes) -> bytes:
    """Print an HTML page to PDF with headless Chromium."""
    browser = chromium_path()
    if browser is None:
        raise Refused(
            "Le format PDF nécessite Chromium, introuvable sur cette machine.",
            "Installez-le (apt install chromium) ou indiquez son chemin dans CPTS_CHROMIUM ; "
            "sinon choisissez le format docx, odt ou html.",
        )
    with tempfile.TemporaryDirectory(prefix="cpts-pdf-") as tmp:
        page, pdf = Path(tmp) / "document.html", Path(tmp) / "document.pdf"
        page.write_bytes(html)
        command = [
            browser,
            *HEADLESS_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            "--print-to-pdf-no-header",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        _run(command, "Chromium", 120)
        if not pdf.is_file() or pdf.stat().st_size == 0:
            raise ConversionError(
                "Chromium n'a pas produit de PDF.",
                "Choisissez le format html, ou voyez le détail technique de l'erreur.",
            )
        return pdf.read_bytes()


def convert(markdown: str, fmt: str, title: str) -> bytes:
    """The document in `fmt` (md, html, docx, odt, pdf)."""
    if fmt == "md":
        return markdown.encode("utf-8")
    if fmt == "html":
        return to_html(markdown, title)
    if fmt == "pdf":
        return html_to_pdf(to_html(markdown, title))
    return _pandoc(markdown, fmt, title)


def soffice_path() -> str | None:
    """LibreOffice's `soffice`, to check what a porteur sees when opening a DOCX or ODT."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def office_to_pdf(data: bytes, suffix: str) -> bytes:
    """A DOCX or ODT laid out by LibreOffice and printed to PDF (`soffice --headless
    --convert-to pdf`), in a private profile so that parallel runs do not collide."""
    office = soffice_path()
    if office is None:
        raise Refused("LibreOffice (soffice) est introuvable sur cette machine.",
                      "Installez-le (apt install libreoffice-writer-nogui).")
    with tempfile.TemporaryDirectory(prefix="cpts-office-") as tmp:
        source = Path(tmp) / f"document.{suffix}"
        source.write_bytes(data)
        command = [office, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
                   "--headless", "--convert-to", "pdf", "--outdir", tmp, str(source)]
        _run(command, "LibreOffice", 180)
        pdf = Path(tmp) / "document.pdf"
        if not pdf.is_file() or pdf.stat().st_size == 0:
            raise ConversionError("LibreOffice n'a pas produit de PDF.")
        return pdf.read_bytes()
