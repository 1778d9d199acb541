"""PDF rendering with WeasyPrint, reading nothing but the HTML given and data: URLs.

A document rendered on the server must not fetch from the network or read local files named in
its HTML: images (QR codes, seals) are embedded as data: URLs by the caller.
"""
import datetime as dt


def local_only_fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def render_pdf(html: str, **options) -> bytes:
    """HTML (a complete document with its CSS inline) to PDF bytes; `options` go to write_pdf."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=local_only_fetcher()).write_pdf(**options)


def pdf_date(moment: dt.datetime) -> str:
    """An aware datetime as a PDF date with its own offset: D:20260929000000+08'00'."""
    offset = moment.strftime("%z")
    return f"D:{moment:%Y%m%d%H%M%S}{offset[0]}{offset[1:3]}'{offset[3:5]}'"


def pdfa_finisher(dated: dt.datetime):
    """A WeasyPrint finisher for PDF/A-3 files with attachments, correcting what WeasyPrint 70 does:

    - it lists each attachment twice in the catalog's /AF (once from the EmbeddedFiles name tree,
      once from the file specification itself); /AF keeps one entry per file;
    - it writes an attachment's dates as UTC ("…Z") whatever their zone, and the Info dictionary's
      without the closing apostrophe (+08'00); all are written in full with `dated`'s offset.
    """
    import pydyf

    def finish(document, pdf):
        if "AF" in pdf.catalog:
            pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))
        stamp = pydyf.String(pdf_date(dated))
        for key in ("CreationDate", "ModDate"):
            if key in pdf.info:
                pdf.info[key] = stamp
        for pdf_object in pdf.objects:
            extra = getattr(pdf_object, "extra", None)
            if isinstance(extra, dict) and extra.get("Type") == "/EmbeddedFile":
                extra["Params"]["CreationDate"] = extra["Params"]["ModDate"] = stamp

    return finish
