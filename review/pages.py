"""Rendering the server-side pages: the Jinja2 templates, their filters, and what every page is given."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from callscore.store.models import User

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _pct(value) -> str:
    return "–" if value is None else f"{value:.0f}%"


def _conf(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _kappa(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _label(value) -> str:
    return (value or "").replace("_", " ")


def _secs(value) -> str:
    if value is None:
        return "–"
    value = int(round(value))
    return f"{value // 60}:{value % 60:02d}"


def _clock(value) -> str:
    value = float(value or 0)
    return f"{int(value // 60)}:{value % 60:04.1f}"


def _when(value) -> str:
    if value is None:
        return "–"
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)


def _outcome_label(outcome: str) -> str:
    return {"pass": "Pass", "fail": "Fail", "not_applicable": "N/A"}.get(outcome, outcome)  # nosec B105: labels


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters.update(pct=_pct, secs=_secs, clock=_clock, when=_when, conf=_conf, label=_label, kappa=_kappa,
                             tojson_attr=lambda v: json.dumps(v))
templates.env.globals.update(outcome_label=_outcome_label)


def render(request: Request, name: str, user: User | None, status_code: int = 200, **context) -> HTMLResponse:
    """The page `name` for `user` (None: logged out), with the session's CSRF token for its forms."""
    return templates.TemplateResponse(request, name, {"user": user, "csrf": request.state.session["csrf"],
                                                      "path": request.url.path, **context}, status_code=status_code)


def message(request: Request, user: User | None, status_code: int, title: str, text: str) -> HTMLResponse:
    """A page that only says what happened (refusals, missing records)."""
    return render(request, "message.html", user, status_code=status_code, title=title, message=text)
