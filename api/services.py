"""API tokens: creation, rotation and the check behind `Authorization: Bearer`."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken, hash_token, new_raw_token
from crm.validation import clean_text

# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

# Live tokens found recently, by hash: (token, found at, when to look again). Each web
# process looks a token up again at most every API_TOKEN_CACHE_SECONDS, so a
# revocation or rotation made elsewhere (the command, another process) stops
# the old secret within that time; one made in this process stops it at once.
# Only live tokens are kept: an unknown secret is looked up every time.
_live: dict[str, tuple[ApiToken, dt.datetime, dt.datetime]] = {}


def api_token_create(*, name: str) -> tuple[ApiToken, str]:
    """Create a token named `name`; return it and the raw token (shown once, never stored)."""
    name = clean_text(name, max_length=100, required=True)
    if ApiToken.objects.filter(name=name).exists():
        raise ValidationError(
            _("A token named %(name)r exists: choose another name or rotate it.")
            % {"name": name}
        )
    raw = new_raw_token()
    token = ApiToken(name=name, key_hash=hash_token(raw), hint=raw[:8])
    token.full_clean()
    token.save()
    return token, raw


def api_token_rotate(*, name: str) -> tuple[ApiToken, str]:
    """Give the token `name` a new secret; the old one stops working at once."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(name=name).first()
        if token is None:
            raise ValidationError(_("No token named %(name)r.") % {"name": name})
        raw = new_raw_token()
        token.key_hash, token.hint, token.revoked_at = hash_token(raw), raw[:8], None
        token.save(update_fields=["key_hash", "hint", "revoked_at"])
    _live.clear()
    return token, raw


def api_token_revoke(*, name: str) -> ApiToken:
    """Stop the token `name` from working (kept, with its revocation time)."""
    updated = ApiToken.objects.filter(name=name, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    _live.clear()
    token = ApiToken.objects.filter(name=name).first()
    if token is None:
        raise ValidationError(_("No token named %(name)r.") % {"name": name})
    if not updated:
        raise ValidationError(
            _("The token %(name)r is already revoked.") % {"name": name}
        )
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The live token whose secret is `raw`, or None; notes its use (once a minute).

    A token found live is trusted for API_TOKEN_CACHE_SECONDS without a query.
    """
    if not raw or len(raw) > 200:
        return None
    key, now = hash_token(raw), timezone.now()
    cached = _live.get(key)
    if cached is not None and cached[1] <= now < cached[2]:
        token = cached[0]
    else:
        token = ApiToken.objects.filter(key_hash=key, revoked_at__isnull=True).first()
        if token is None:
            _live.pop(key, None)
            return None
        ttl = dt.timedelta(seconds=settings.API_TOKEN_CACHE_SECONDS)
        _live[key] = (token, now, now + ttl)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
