"""Bearer-token authentication of Flower's gRPC calls, both sides.

The ai4os federated server checks a per-deployment token with a gRPC server interceptor
(ai4flwr's bearer-token interceptor); clients send it as `authorization: Bearer <token>`
call metadata. We do the same: a wrong or missing token ends the call with UNAUTHENTICATED
before Flower sees it, so the client is never registered.
"""

from __future__ import annotations

import collections
import hmac
from collections.abc import Callable

import grpc

# gRPC health checks carry no token (load balancers probe them).
_OPEN_METHODS = ("/grpc.health.v1.Health/",)
REFUSED_MESSAGE = "Invalid or missing federated-server token."
_NO_DEADLINE = 1e9  # seconds: beyond this, a call's "time remaining" means it has no deadline


def _aborting_handler(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    def abort(_request, context: grpc.ServicerContext):
        context.abort(grpc.StatusCode.UNAUTHENTICATED, REFUSED_MESSAGE)

    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(abort)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(abort)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(abort)
    return grpc.unary_unary_rpc_method_handler(abort)


class BearerTokenServerInterceptor(grpc.ServerInterceptor):
    """Lets a call through only with `authorization: Bearer <token>`; `on_refused(peer
    method)` is told about every refusal (the server counts them for its status page)."""

    def __init__(self, token: str, on_refused: Callable[[str], None] | None = None) -> None:
        if not token:
            raise ValueError("the federated server needs a non-empty token")
        self._expected = f"Bearer {token}".encode()
        self._on_refused = on_refused

    def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method or ""
        if method.startswith(_OPEN_METHODS):
            return continuation(handler_call_details)
        metadata = dict(handler_call_details.invocation_metadata or ())
        given = str(metadata.get("authorization", "")).encode()
        if hmac.compare_digest(given, self._expected):
            return continuation(handler_call_details)
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        if self._on_refused is not None:
            self._on_refused(method)
        return _aborting_handler(handler)


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class BearerTokenClientInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
):
    """Adds `authorization: Bearer <token>` to every call of a channel."""

    def __init__(self, token: str) -> None:
        self._header = ("authorization", f"Bearer {token}")

    def _details(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        metadata = [*(details.metadata or ()), self._header]
        return _CallDetails(
            details.method,
            details.timeout,
            metadata,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        return continuation(self._details(client_call_details), request_iterator)

    def intercept_unary_stream(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return continuation(self._details(client_call_details), request_iterator)


class TokenGate(grpc.GenericRpcHandler):
    """A gRPC front door that checks the bearer token and forwards every unary call, as raw
    bytes, to `upstream` (secure aggregation: Flower's SuperLink listens on loopback only and
    has no hook for our per-deployment token, so its Fleet API is reached through this gate).
    The token is not passed on; every other metadata entry is, both ways, so Flower's own
    runtime-version checks work through it. Health checks and refusals as in
    BearerTokenServerInterceptor."""

    def __init__(
        self,
        upstream: grpc.Channel,
        token: str,
        on_refused: Callable[[str], None] | None = None,
    ) -> None:
        if not token:
            raise ValueError("the federated server needs a non-empty token")
        self._upstream = upstream
        self._expected = f"Bearer {token}".encode()
        self._on_refused = on_refused

    def service(self, handler_call_details):
        method = handler_call_details.method or ""
        metadata = list(handler_call_details.invocation_metadata or ())
        given = str(dict(metadata).get("authorization", "")).encode()
        if not method.startswith(_OPEN_METHODS) and not hmac.compare_digest(given, self._expected):
            if self._on_refused is not None:
                self._on_refused(method)
            return grpc.unary_unary_rpc_method_handler(_refuse)
        forward = self._upstream.unary_unary(method)  # no (de)serializers: bytes pass through
        passed_on = [(k, v) for k, v in metadata if k != "authorization"]

        def relay(request: bytes, context: grpc.ServicerContext) -> bytes:
            # gRPC reports a call without a deadline as ~9e18 s remaining, which as a timeout
            # overflows into an immediate DEADLINE_EXCEEDED: pass no deadline then.
            remaining = context.time_remaining()
            try:
                response, call = forward.with_call(
                    request,
                    timeout=remaining if remaining < _NO_DEADLINE else None,
                    metadata=passed_on,
                )
            except grpc.RpcError as exc:
                context.set_trailing_metadata(tuple(exc.trailing_metadata() or ()))
                context.abort(exc.code(), exc.details() or "")
            context.send_initial_metadata(tuple(call.initial_metadata() or ()))
            context.set_trailing_metadata(tuple(call.trailing_metadata() or ()))
            return response

        return grpc.unary_unary_rpc_method_handler(relay)


def _refuse(_request, context: grpc.ServicerContext):
    context.abort(grpc.StatusCode.UNAUTHENTICATED, REFUSED_MESSAGE)
