"""PDF rendering with WeasyPrint, reading nothing but the HTML given and data: URLs.

A document rendered on the server must not fetch from the network or read local files named in
its HTML: images (QR codes, seals) are embedded as data: URLs by the caller.
"""


def local_only_fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def render_pdf(html: str, **options) -> bytes:
    """HTML (a complete document with its CSS inline) to PDF bytes; `options` go to write_pdf."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=local_only_fetcher()).write_pdf(**options)
