"""Structured JSON logs with request ids, and PII masking applied to every record."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![\dA-Za-z])")
_ACCOUNT = re.compile(r"(?<![\dA-Za-z])(\d{4})\d{8,11}(\d{4})(?![\dA-Za-z])")
_PHONE = re.compile(r"(?<![\dA-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![\dA-Za-z])")
# Credentials that reach a log line through a URL (a WebSocket's query string) or a careless message.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_SECRET_PARAM = re.compile(r"(?i)\b(token|access_token|api_key|apikey|x-api-key|password|secret)=([^&\s\"']+)")
# uvicorn's server lines (WebSocket request lines carry query strings) join our masking formatter;
# "uvicorn.access" is left as uvicorn set it up (off with --no-access-log: it logs when it has a handler).
SERVER_LOGGERS = ("uvicorn", "uvicorn.error")


def mask_pii(text: str) -> str:
    """Mask ID numbers (``3201**********1234``), bank account numbers, mobile numbers and credentials
    (JWTs, ``token=`` and the like in URLs) in free text."""
    text = _JWT.sub("eyJ***", text)
    text = _SECRET_PARAM.sub(lambda m: f"{m[1]}=***", text)
    text = _ID_NUMBER.sub(lambda m: f"{m[1]}{'*' * 10}{m[2]}", text)
    text = _ACCOUNT.sub(lambda m: f"{m[1]}{'*' * (len(m[0]) - 8)}{m[2]}", text)
    return _PHONE.sub(lambda m: f"{m[1]}****{m[2]}", text)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": mask_pii(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exc"] = mask_pii(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in SERVER_LOGGERS:
        server = logging.getLogger(name)
        server.handlers[:] = []
        server.propagate = True
    for noisy in ("aiokafka", "kafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
