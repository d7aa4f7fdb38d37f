"""Attribute what a request does to its user (or API client) and address."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import acting_as, actor_from_request


class AuditActorMiddleware:
    """Placed after AuthenticationMiddleware; the actor is read lazily.

    Lazily, because an API request is authenticated inside the view (its
    token), after this middleware has run.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(lambda: actor_from_request(request)):
            return self.get_response(request)
