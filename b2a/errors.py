"""The one error tree of b2a.

Domain code raises these; each adapter maps them once (HTTP status codes in
``b2a.server.errors``, exit codes in ``b2a.cli``, retry decisions in the worker).
Every error carries a stable ``code`` that clients may rely on and a message
that is safe to show: no SQL, no stack traces, no internal ids.
"""

from __future__ import annotations


class B2AError(Exception):
    """Base of every error b2a raises on purpose."""

    code = "ERROR"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class NotFound(B2AError):
    """The thing does not exist, or belongs to another tenant (never say which)."""

    code = "NOT_FOUND"


class Forbidden(B2AError):
    """The caller is known but their role does not allow this."""

    code = "FORBIDDEN"


class Unauthorized(B2AError):
    """The caller is not known (no session, bad token, bad password)."""

    code = "UNAUTHORIZED"


class BadRequest(B2AError):
    """The request cannot be read at all (a body that is not JSON, or nests too deeply)."""

    code = "BAD_REQUEST"


class PayloadTooLarge(B2AError):
    """The request's body is larger than the route takes."""

    code = "PAYLOAD_TOO_LARGE"


class Conflict(B2AError):
    """The request clashes with existing state (duplicate email, invalid transition)."""

    code = "CONFLICT"


class Invalid(B2AError):
    """Input failed validation; ``field`` names the culprit when there is one."""

    code = "VALIDATION_ERROR"


class LimitExceeded(B2AError):
    """A quota, rate limit or lockout stops the request for now."""

    code = "LIMIT_EXCEEDED"


class Unavailable(B2AError):
    """A backing service (database, Redis) cannot be reached."""

    code = "UNAVAILABLE"


class ConfigError(B2AError):
    """The appliance configuration is wrong; the message names the variable and the fix."""

    code = "CONFIG_ERROR"


class TransportError(B2AError):
    """Sending through a WhatsApp transport failed.

    ``permanent`` tells the worker whether a retry can help (a closed 24-hour
    window will not reopen by retrying; a throughput limit will pass).
    ``maybe_sent`` says the request may have reached WhatsApp before the failure
    (the answer timed out): resending could deliver the message twice.
    """

    code = "TRANSPORT_ERROR"

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        code: str | None = None,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(message, code=code)
        self.permanent = permanent
        self.maybe_sent = maybe_sent
