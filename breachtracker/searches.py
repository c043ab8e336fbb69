"""Free-text searches kept out of web addresses (issue 17).

A name typed into a search would otherwise travel in the address (`?q=Jane Doe`) and so into
browser history, proxy and access logs. The search form is POSTed instead; its text is kept in
the user's session, encrypted with the field keys, under a random token, and the list's address
carries only `search=<token>` (pagination included). A token is good for its user's session;
the last KEPT searches are kept.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseRedirect, QueryDict

from . import crypto

SESSION_KEY = "breachtracker_searches"
KEPT = 20
PARAM = "search"


def remember(request: HttpRequest, text: str) -> str:
    """Keep `text` for this session; the token to put in the address instead."""
    token = secrets.token_urlsafe(16)
    kept = dict(request.session.get(SESSION_KEY) or {})
    kept[token] = crypto.encrypt(text)
    for old in list(kept)[:-KEPT]:
        del kept[old]
    request.session[SESSION_KEY] = kept
    return token


def recall(request: HttpRequest, token: str) -> str | None:
    """The text kept under `token` in this session, or None (expired, another session's, forged)."""
    value = (request.session.get(SESSION_KEY) or {}).get(token)
    if not isinstance(value, str) or not value:
        return None
    try:
        return crypto.decrypt(value)
    except ImproperlyConfigured:  # kept under a key since removed
        return None


def results_redirect(request: HttpRequest, posted: QueryDict, *, field: str = "q") -> HttpResponseRedirect:
    """After a valid POSTed search: back to the list, its other filters in the address (they are
    not personal data) and the text, if any, only as a token."""
    params = QueryDict(mutable=True)
    for key, values in posted.lists():
        if key not in (field, "csrfmiddlewaretoken", "page", "cursor", PARAM):
            params.setlist(key, [v for v in values if v])
    text = (posted.get(field) or "").strip()
    if text:
        params[PARAM] = remember(request, text)
    query = params.urlencode()
    return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)


def filters(request: HttpRequest, *, field: str = "q") -> tuple[QueryDict | None, str, bool]:
    """For a list's GET: (the data to bind its filter form to, with the searched text put back
    from its token; the query string its page links keep; whether the token had expired).
    A `field` in the address itself is ignored: names are searched through the form."""
    data = request.GET.copy()
    data.pop(field, None)
    data.pop("page", None)
    data.pop("cursor", None)  # the list's position (breachtracker/keyset.py), not a filter
    expired = False
    token = data.get(PARAM)
    if token:
        text = recall(request, token)
        if text is None:
            expired = True
            data.pop(PARAM)
        else:
            data[field] = text
    query = data.copy()
    query.pop(field, None)
    return (data or None), query.urlencode(), expired
