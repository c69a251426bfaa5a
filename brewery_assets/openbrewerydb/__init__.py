"""Open Brewery DB v1: the record shape and an HTTP client with retries, backoff and a rate limit."""
