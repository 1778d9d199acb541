"""Files staff take out of Minping."""
import csv

from .services import ballot_url


def write_codes(handle, codes: list[str]) -> None:
    """Invitation codes with their ballot links, one per row (header: code, url)."""
    writer = csv.writer(handle)
    writer.writerow(["code", "url"])
    for code in codes:
        writer.writerow([code, ballot_url(code)])
