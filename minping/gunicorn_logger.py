"""gunicorn's logger with invitation codes masked in the access and error logs (gunicorn.conf.py).

gunicorn writes its access lines itself (`--access-logfile`, `--access-logformat`: request line,
query string, Referer …) before Django sees the request; masking its finished lines is the only
place that covers every format a deployment may choose.
"""
import logging

from gunicorn.glogging import Logger

from minping.lib.logmask import MaskingFormatter


class MaskingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)  # (re)creates the handlers, also on a reload (HUP)
        for log in (self.access_log, self.error_log):
            for handler in log.handlers:
                if not isinstance(handler.formatter, MaskingFormatter):
                    handler.setFormatter(MaskingFormatter(inner=handler.formatter or logging.Formatter()))
