"""gunicorn's settings file (read from the directory gunicorn starts in, or `-c gunicorn.conf.py`).

Command-line options (`--access-logfile`, `--workers` …) still apply; this file only makes gunicorn's
own access and error logs mask invitation codes (see minping/gunicorn_logger.py).
"""
logger_class = "minping.gunicorn_logger.MaskingLogger"
