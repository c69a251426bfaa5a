"""Which errors of a Spark job may pass on a later try, and which fail the same way every time."""

import errno
import re

# What a failure that may pass on a later try says: the engine, S3 or the network was unavailable
# for a while, or another writer won a commit. Anything else (a schema error, a bad value, a file
# the disk refuses) fails the same way every time.
_TRANSIENT_MESSAGE = re.compile(
    r"UNAVAILABLE|DEADLINE_EXCEEDED|RESOURCE_EXHAUSTED|Connection (refused|reset|aborted|closed)|"
    r"connection error|timed? ?out|Broken pipe|SlowDown|Throttl|TooManyRequests|Service Unavailable|"
    r"InternalError|\b50[0234]\b|dispatch failure|temporar|Failed to commit transaction|PublishConflict",
    re.IGNORECASE,
)
_TRANSIENT_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.ETIMEDOUT, errno.EPIPE,
                     errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EAGAIN}


def is_transient(error: BaseException) -> bool:
    """Whether running the job again could succeed: the engine, S3 or the network failed for a while."""
    if isinstance(error, ConnectionError | TimeoutError):
        return True
    if isinstance(error, OSError) and error.errno in _TRANSIENT_ERRNOS:
        return True
    return bool(_TRANSIENT_MESSAGE.search(f"{type(error).__name__}: {error}"))
