"""The HTTP edge: bounded input types, request limits, security headers, the OpenAPI description."""
