"""The Flask application behind `tracker serve`."""

from __future__ import annotations

import functools
import threading
from collections import Counter
from datetime import date, timedelta
from urllib.parse import urlencode, urlsplit

from flask import (
    Flask,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect

from tracker.baseline import Baseline
from tracker.clock import local_day, local_stamp, utc_now
from tracker.config import Settings
from tracker.errors import ConfigError
from tracker.evidence import Level
from tracker.review import (
    REASONS,
    SOURCE_NAMES,
    ReviewError,
    all_rows,
    check_password,
    decide,
    paper_view,
    queue_rows,
    rule_settings,
    select_rows,
    sync_flags,
    undo,
)
from tracker.store import Database

MIN_SECRET = 16
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
REPORT_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                 "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
FILTERS = ("therapy", "reason", "status", "order", "q")  # q: the search box's text
# failed sign-ins allowed per client address before the login form refuses for a while
FAILED_LOGINS = "5 per minute;20 per hour"
LEVEL_LABELS = {level.value: level.label for level in Level}


def create_app(
    settings: Settings, baseline: Baseline, db: Database, *, clock=utc_now
) -> Flask:
    """The review app for one database; refuses to start without a session secret."""
    if not settings.secret_key or len(settings.secret_key) < MIN_SECRET:
        raise ConfigError(
            f"the review page needs a session secret of at least {MIN_SECRET} characters: set "
            "[web] secret_key in tracker.toml or TRACKER_SECRET_KEY (for example the output of "
            "`python3 -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    db.require_current()
    app = Flask(__name__)
    app.jinja_env.filters["local_time"] = local_stamp
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the login session
    )
    CSRFProtect(app)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://",
                      default_limits=[], headers_enabled=True)
    rules = rule_settings(baseline.start_date, settings.review_min_confidence,
                          settings.review_rules_off)
    therapy_names = {t.id: t.name for t in baseline.therapies}
    reasons = settings.exclusion_reasons
    syncing = threading.Lock()  # one flag sync at a time: two at once would raise a flag twice

    def login_required(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not session.get("reviewer"):
                return redirect(url_for("login", next=request.full_path.rstrip("?")))
            g.reviewer = session["reviewer"]
            return view(*args, **kwargs)
        return wrapped

    def filters_from(source, prefix: str = "") -> dict[str, str]:
        """The queue's filters from a query string, or from a form's keep_* fields."""
        chosen = {name: (source.get(prefix + name) or "").strip() for name in FILTERS}
        if chosen["therapy"] and chosen["therapy"] not in therapy_names:
            abort(400, f"unknown therapy {chosen['therapy']!r}")
        if chosen["reason"] and chosen["reason"] not in REASONS:
            abort(400, f"unknown reason {chosen['reason']!r}")
        chosen["status"] = chosen["status"] or "open"
        chosen["order"] = chosen["order"] or "oldest"
        if chosen["status"] not in ("open", "decided", "all"):
            abort(400, "status must be open, decided or all")
        if chosen["order"] not in ("oldest", "strongest"):
            abort(400, "order must be oldest or strongest")
        return chosen

    def rows_for(db_session, chosen):
        return queue_rows(db_session, therapy=chosen["therapy"] or None,
                          reason=chosen["reason"] or None, status=chosen["status"],
                          order=chosen["order"], search=chosen["q"] or None)

    def query_string(chosen) -> str:
        kept = {k: v for k, v in chosen.items() if v and not (
            (k == "status" and v == "open") or (k == "order" and v == "oldest"))}
        return ("?" + urlencode(kept)) if kept else ""

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if request.endpoint not in ("static",):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(CSRFError)
    def csrf_refused(error):
        return render_template("error.html", title="Form expired",
                               message="The form's security token is missing or stale. Go back, "
                                       "reload the page and try again."), 400

    @app.errorhandler(400)
    def bad_request(error):
        return render_template("error.html", title="Bad request",
                               message=getattr(error, "description", str(error))), 400

    @app.errorhandler(404)
    def not_found(error):
        return render_template("error.html", title="Not found",
                               message=getattr(error, "description", str(error))), 404

    @app.context_processor
    def shared():
        return {"reviewer": session.get("reviewer"), "therapy_names": therapy_names,
                "reason_labels": REASONS, "level_labels": LEVEL_LABELS,
                "source_names": SOURCE_NAMES}

    @app.errorhandler(429)
    def too_many_failed_logins(error):
        return render_template(
            "login.html", next=url_for("queue"),
            error="Too many failed sign-ins from this address: wait a minute, then try "
                  "again."), 429

    @app.route("/login", methods=["GET", "POST"])
    @limiter.limit(FAILED_LOGINS, methods=["POST"],
                   deduct_when=lambda response: response.status_code == 401)
    def login():
        target = request.values.get("next") or url_for("queue")
        if urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
            target = url_for("queue")  # never send a reviewer off-site after login
        error = None
        if request.method == "POST":
            name = request.form.get("name", "").strip()
            password = request.form.get("password", "")
            with db.session() as db_session:
                ok = bool(name) and check_password(db_session, name, password)
            if ok:
                session.clear()
                session["reviewer"] = name
                session.permanent = True
                return redirect(target)
            error = "Unknown name or wrong password."
        return render_template("login.html", error=error, next=target), 401 if error else 200

    @app.post("/logout")
    def logout():
        session.clear()
        return redirect(url_for("login"))

    @app.get("/")
    @login_required
    def queue():
        chosen = filters_from(request.args)
        with syncing, db.session() as db_session:
            sync_flags(db_session, baseline, rules, clock())
            everything = all_rows(db_session)
        rows = select_rows(everything, therapy=chosen["therapy"] or None,
                           reason=chosen["reason"] or None, status=chosen["status"],
                           order=chosen["order"], search=chosen["q"] or None)
        counts = Counter(r.status for r in everything)
        open_rows = [r for r in everything if r.status in ("open", "deferred") and r.reasons]
        by_reason = Counter(code for r in open_rows for code in r.reasons)
        return render_template(
            "queue.html", rows=rows, chosen=chosen, qs=query_string(chosen),
            counts=counts, waiting=len(open_rows), by_reason=by_reason,
        )

    @app.get("/paper/<pmid>")
    @login_required
    def paper(pmid: str):
        chosen = filters_from(request.args)
        with db.session() as db_session:
            try:
                view = paper_view(db_session, pmid)
            except ReviewError as exc:
                abort(404, str(exc))
            rows = rows_for(db_session, chosen)
        if view.paper.pmid != pmid:
            return redirect(url_for("paper", pmid=view.paper.pmid) + query_string(chosen))
        pmids = [r.pmid for r in rows]
        here = pmids.index(pmid) if pmid in pmids else None
        previous = pmids[here - 1] if here else None
        following = pmids[here + 1] if here is not None and here + 1 < len(pmids) else (
            pmids[0] if here is None and pmids else None)
        return render_template(
            "paper.html", view=view, p=view.paper, chosen=chosen, qs=query_string(chosen),
            previous=previous, following=following, position=here, total=len(pmids),
            exclusion_reasons=reasons,
        )

    @app.post("/paper/<pmid>/decide")
    @login_required
    def decide_paper(pmid: str):
        chosen = filters_from(request.form, "keep_")
        decision = request.form.get("decision", "")
        reason = request.form.get("reason") or None
        note = (request.form.get("note") or "").strip() or None
        with db.session() as db_session:
            before = [r.pmid for r in rows_for(db_session, chosen)]
            try:
                decided = decide(db_session, pmid, decision, reviewer=g.reviewer, now=clock(),
                                 reason=reason, note=note, reasons=reasons)
            except ReviewError as exc:
                abort(400, str(exc))
            after = [r.pmid for r in rows_for(db_session, chosen)]
            flash(f"PMID {decided.pmid}: {decided.inclusion}.")
        following = _next_after(before, after, pmid)
        if following:
            return redirect(url_for("paper", pmid=following) + query_string(chosen))
        return redirect(url_for("queue") + query_string(chosen))

    @app.post("/paper/<pmid>/undo")
    @login_required
    def undo_paper(pmid: str):
        chosen = filters_from(request.form, "keep_")
        with db.session() as db_session:
            try:
                undone = undo(db_session, pmid, reviewer=g.reviewer, now=clock())
            except ReviewError as exc:
                abort(400, str(exc))
            flash(f"PMID {undone.pmid}: decision undone, now {undone.inclusion}.")
        return redirect(url_for("paper", pmid=pmid) + query_string(chosen))

    @app.get("/report")
    @login_required
    def report():
        from tracker.report import build_report, render

        try:
            until = date.fromisoformat(request.args.get("until") or local_day(clock()).isoformat())
            since = date.fromisoformat(request.args.get("since")
                                       or (until - timedelta(days=6)).isoformat())
        except ValueError:
            abort(400, "since and until are days written YYYY-MM-DD")
        therapy = request.args.get("therapy") or None
        if therapy and therapy not in therapy_names:
            abort(400, f"unknown therapy {therapy!r}")
        listed = request.args.get("max_listed", str(settings.max_listed))
        if not listed.isdigit():
            abort(400, "max_listed is a number of papers (0 lists all)")
        try:
            with db.session() as db_session:
                data = build_report(db_session, baseline, since=since, until=until,
                                    therapy_ids=[therapy] if therapy else None,
                                    period=settings.period, generated_at=clock(),
                                    list_limit=int(listed) or None)
        except ConfigError as exc:
            abort(400, str(exc))
        response = app.response_class(render(data, "html"), mimetype="text/html")
        response.headers["Content-Security-Policy"] = REPORT_POLICY
        return response

    @app.get("/feeds/<feed_id>.xml")
    def feed(feed_id: str):
        """The Atom feeds (`tracker feed`), open to feed readers and chat integrations, which
        cannot log in: new papers with their level, events and notices, no review decisions.
        ?since=&until= choose the window; the default is the 90 days up to today."""
        from tracker.feed import build_feeds, feed_entries

        if feed_id != "all" and feed_id not in therapy_names:
            abort(404)
        now = clock()
        try:
            until = date.fromisoformat(request.args.get("until") or local_day(now).isoformat())
            since = date.fromisoformat(request.args.get("since")
                                       or (until - timedelta(days=89)).isoformat())
        except ValueError:
            abort(400, "since and until are days written YYYY-MM-DD")
        if since > until:
            abort(400, "since is after until")
        with db.session() as db_session:
            entries = feed_entries(db_session, baseline, since=since, until=until,
                                   period=settings.period, generated_at=now)
        feeds = build_feeds(baseline, entries, generated_at=now,
                            base_url=request.url_root.rstrip("/") + "/feeds")
        return app.response_class(feeds[feed_id], mimetype="application/atom+xml")

    @app.get("/favicon.ico")
    def favicon():
        return "", 204  # no icon: say so rather than log a 404 on every page

    @app.get("/report/choose")
    @login_required
    def choose_report():
        today = local_day(clock())
        return render_template("report_form.html", since=today - timedelta(days=6), until=today)

    return app


def _next_after(before: list[str], after: list[str], decided: str) -> str | None:
    """The paper to show after a decision: the one that followed it in the queue."""
    if decided in before:
        for pmid in before[before.index(decided) + 1:]:
            if pmid in after and pmid != decided:
                return pmid
    remaining = [p for p in after if p != decided]
    return remaining[0] if remaining else None
