"""WeasyPrint, kept in its own module: it needs Pango from the system, so it is imported only when
a PDF is made (pbyp.ladders.printables), and the rest of PbyP runs without it."""

import mimetypes
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class LocalOnlyFetcher(URLFetcher):
    """WeasyPrint's resource fetcher, limited to data: URIs and our own static files: rendering
    a printable never reaches the network (nor the file system outside the static folders)."""

    def __init__(self, base_url: str):
        super().__init__(timeout=1, allow_redirects=False, fail_on_errors=False)
        self.static_prefix = urljoin(base_url, settings.STATIC_URL)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(self.static_prefix):
            name = urlsplit(url).path.removeprefix(urlsplit(self.static_prefix).path)
            found = finders.find(name) if ".." not in name.split("/") else None
            if found:
                with open(found, "rb") as handle:
                    body = handle.read()
                kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": kind})
        raise ValueError(f"Printables only use data: URIs and local static files, not {url}")


def html_document(html: str, base_url: str) -> HTML:
    return HTML(string=html, base_url=base_url, url_fetcher=LocalOnlyFetcher(base_url))
