"""Developer tool: fill a .po catalogue from a {msgid: translation} dict file.

    python scripts/po_fill.py locale/zh_Hans/LC_MESSAGES/django.po translations.py

Fills untranslated and fuzzy entries whose msgid is in the dict (clearing the fuzzy flag),
then lists the entries still untranslated or fuzzy. Needs polib (not a runtime dependency).
"""
import runpy
import sys

import polib


def main(po_path: str, dict_path: str) -> int:
    translations = runpy.run_path(dict_path)["T"]
    catalogue = polib.pofile(po_path)
    for entry in catalogue:
        if entry.obsolete or entry.msgid not in translations:
            continue
        if entry.translated() and "fuzzy" not in entry.flags:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: translations[entry.msgid]}
        else:
            entry.msgstr = translations[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
    catalogue.save()
    missing = [e.msgid for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    for msgid in missing:
        print("missing:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
