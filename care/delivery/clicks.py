"""The /c/<token> page: record a click on a tracked link and send the visitor on.

Link scanners and prefetchers (mail security gateways, chat-app previews)
open links nobody clicked: a HEAD request, a known scanner's user agent, or
a request within a second of the message's delivery is recorded with its
reason and not counted as engagement. An unknown or tampered token gets a
plain 404 page: the destination always comes from our own row, so the page
can never be made to redirect anywhere else. The token is made by
care.content.links.
"""

import datetime as dt
from functools import lru_cache

from crawlerdetect import CrawlerDetect
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from care.content.links import link_from_token
from care.models import Click, ClickScanner, Message, TrackedLink

# A person cannot read a message and click within this time of its delivery.
TOO_SOON = dt.timedelta(seconds=1)
# Mail security gateways CrawlerDetect does not know by name.
SCANNER_HINTS = ("mimecast", "proofpoint", "urldefense", "safelinks", "barracuda")


@lru_cache(maxsize=1)
def _crawlers() -> CrawlerDetect:
    return CrawlerDetect()  # compiles its patterns once per process


def is_scanner_agent(user_agent: str) -> bool:
    agent = user_agent.strip()
    if not agent:
        return True  # browsers always send one
    lowered = agent.lower()
    return any(hint in lowered for hint in SCANNER_HINTS) or bool(
        _crawlers().isCrawler(agent)
    )


def scanner_reason(
    *, method: str, user_agent: str, message: Message, now: dt.datetime
) -> str:
    """Why this request is not a person's click ("" when it is)."""
    if method == "HEAD":
        return ClickScanner.HEAD
    if is_scanner_agent(user_agent):
        return ClickScanner.AGENT
    for moment in (message.sent_at, message.delivered_at):
        if moment is not None and dt.timedelta(0) <= now - moment < TOO_SOON:
            return ClickScanner.TOO_SOON
    return ""


def click_record(
    *, link: TrackedLink, method: str, user_agent: str, now: dt.datetime
) -> Click:
    reason = scanner_reason(
        method=method, user_agent=user_agent, message=link.message, now=now
    )
    return Click.objects.create(
        link=link,
        message_id=link.message_id,
        clicked_at=now,
        counted=not reason,
        scanner=reason,
        user_agent=user_agent[:300],
    )


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "care/link_invalid.html", status=404)


@never_cache
@require_http_methods(["GET", "HEAD"])
def tracked_link(request: HttpRequest, token: str) -> HttpResponse:
    found = link_from_token(token)
    if found is None:
        return _not_found(request)
    message_id, position = found
    link = (
        TrackedLink.objects.filter(message_id=message_id, position=position)
        .select_related("message")
        .first()
    )
    if link is None:
        return _not_found(request)
    click_record(
        link=link,
        method=request.method or "GET",
        user_agent=request.headers.get("User-Agent", ""),
        now=timezone.now(),
    )
    response = HttpResponseRedirect(link.url)
    response["Referrer-Policy"] = "no-referrer"
    return response
