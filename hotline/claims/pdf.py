"""The claim report as a PDF: the page's own template and print stylesheet, laid out by WeasyPrint (Pango and
HarfBuzz shape the Japanese; IPAGothic is embedded and subset, so the PDF prints the same everywhere and its text
can be copied). WeasyPrint may read nothing but the app's static files: no network, no other file."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit


def _static_fetcher(static: Path):
    from weasyprint.urls import URLFetcher

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve()
            if parts.scheme != "file" or not path.is_relative_to(static) or not path.is_file():
                raise ValueError(f"not a static file of the app: {url}")
            return super().fetch(url, headers)

    return StaticOnly(allowed_protocols={"file"}, allow_redirects=False)


def render_pdf(html: str, static_folder: str) -> bytes:
    from weasyprint import HTML

    static = Path(static_folder).resolve()
    return HTML(string=html, base_url=static.as_uri() + "/", url_fetcher=_static_fetcher(static)).write_pdf()
