"""Error bodies, statuses and headers as each provider sends them."""

from __future__ import annotations

import math

from mock_llm.replies import JsonReply

_OPENAI_ERRORS = {
    "400": (400, "invalid_request_error", None, "Invalid request."),
    "401": (401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    "404": (404, "invalid_request_error", "unknown_url", "Unknown request URL."),
    "429": (
        429,
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for requests per min (RPM). Please try again shortly.",
    ),
    "500": (
        500,
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    # OpenAI has no 529: an overloaded engine answers 503.
    "529": (
        503,
        "server_error",
        None,
        "The engine is currently overloaded, please try again later.",
    ),
}

_ANTHROPIC_ERRORS = {
    "400": (400, "invalid_request_error", "Invalid request."),
    "401": (401, "authentication_error", "invalid x-api-key"),
    "404": (404, "not_found_error", "Not found."),
    "429": (429, "rate_limit_error", "Number of request tokens has exceeded your rate limit."),
    "500": (500, "api_error", "Internal server error"),
    "529": (529, "overloaded_error", "Overloaded"),
}


def _retry_headers(kind: str, retry_after_ms: int) -> dict[str, str]:
    if kind not in ("429", "529"):
        return {}
    return {
        "retry-after": str(max(1, math.ceil(retry_after_ms / 1000))),
        "retry-after-ms": str(retry_after_ms),
    }


def openai_error(
    kind: str, request_id: str, retry_after_ms: int = 0, message: str | None = None
) -> JsonReply:
    status, error_type, code, default_message = _OPENAI_ERRORS[kind]
    body = {
        "error": {
            "message": message or default_message,
            "type": error_type,
            "param": None,
            "code": code,
        }
    }
    headers = {"x-request-id": request_id, **_retry_headers(kind, retry_after_ms)}
    return JsonReply(body, status=status, headers=headers)


def anthropic_error(
    kind: str, request_id: str, retry_after_ms: int = 0, message: str | None = None
) -> JsonReply:
    status, error_type, default_message = _ANTHROPIC_ERRORS[kind]
    body = {
        "type": "error",
        "error": {"type": error_type, "message": message or default_message},
        "request_id": request_id,
    }
    headers = {"request-id": request_id, **_retry_headers(kind, retry_after_ms)}
    return JsonReply(body, status=status, headers=headers)
