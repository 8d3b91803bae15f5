"""The digest's two faces, plain text and HTML, from Jinja2 templates.

Titles, abstracts, DOIs and notices come from PubMed and are untrusted: the HTML template
autoescapes, and every value either template prints has its control characters made visible.
Mail clients drop <style> elements, so the HTML's styles are inline, taken from STYLES.
"""

from __future__ import annotations

import re

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from tracker.digest.content import Digest
from tracker.report.formats import signed, wrap
from tracker.text import printable

FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
STYLES = {
    "body": f"margin:0; padding:0; background:#f4f5f7; font-family:{FONT}; color:#1f2328; "
            "font-size:15px; line-height:1.5;",
    "page": "max-width:640px; margin:0 auto; padding:16px; background:#ffffff;",
    "h1": "font-size:22px; line-height:1.25; margin:0 0 4px 0; color:#0b3c5d;",
    "h2": "font-size:17px; line-height:1.3; margin:24px 0 8px 0; padding-top:8px; "
          "border-top:1px solid #d8dee4; color:#0b3c5d;",
    "period": "margin:0 0 8px 0; color:#57606a;",
    "ok": "margin:8px 0; padding:8px 10px; background:#eaf5ee; border-left:4px solid #2da44e;",
    "warn": "margin:8px 0; padding:8px 10px; background:#fff8c5; border-left:4px solid #bf8700;",
    "alert": "margin:8px 0; padding:8px 10px; background:#ffebe9; border-left:4px solid #cf222e; "
             "font-weight:600;",
    "list": "margin:4px 0 0 0; padding-left:20px;",
    "therapy": "margin:0 0 10px 0; padding:8px 10px; background:#f6f8fa; border-radius:6px;",
    "therapy_name": "font-weight:600;",
    "event": "margin-top:4px; color:#0b3c5d; font-weight:600;",
    "paper": "margin:0 0 14px 0;",
    "badge": "display:inline-block; padding:1px 8px; border-radius:10px; background:#ddf4ff; "
             "color:#0550ae; font-size:12px; font-weight:600;",
    "notice_badge": "display:inline-block; padding:1px 8px; border-radius:10px; "
                    "background:#ffebe9; color:#a40e26; font-size:12px; font-weight:600;",
    "paper_title": "font-weight:600; margin:2px 0;",
    "link": "color:#0969da; text-decoration:underline;",
    "link_break": "color:#0969da; text-decoration:underline; word-break:break-all;",
    "muted": "color:#57606a; font-size:13px;",
    "more": "margin:12px 0; font-weight:600;",
    "quiet": "margin:8px 0 0 0; color:#57606a; font-size:14px;",
    "code": "font-family:Menlo, Consolas, monospace; font-size:13px; background:#f6f8fa; "
            "padding:1px 4px; overflow-wrap:anywhere;",
    "chart": "display:block; width:100%; max-width:600px; height:auto; border:0;",
    "footer": "margin-top:28px; padding-top:12px; border-top:1px solid #d8dee4; color:#57606a; "
              "font-size:12px;",
}
PERIOD_LABELS = {"weekly": ("Week", "week"), "monthly": ("Month", "month")}


def clean(value: object) -> object:
    """Control and direction-changing characters made visible (tracker.text.printable), as in
    every other output; a macro's output is already made of cleaned values and stays markup."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tracker.digest", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, finalize=clean,
    )
    env.filters.update(signed=signed, wrap=wrap, clean=clean)
    return env


def subject(digest: Digest) -> str:
    label = PERIOD_LABELS[digest.frequency][0]
    news = f"{digest.total_papers} new paper{'' if digest.total_papers == 1 else 's'}"
    if digest.highlights:
        news += f", {len(digest.highlights)} highlight{'' if len(digest.highlights) == 1 else 's'}"
    if digest.notices:
        news += f", {len(digest.notices)} notice{'' if len(digest.notices) == 1 else 's'}"
    gap = "" if digest.coverage.complete else " (incomplete data)"
    return f"TRD evidence digest, {label.lower()} of {digest.since}: {news}{gap}"


def context(digest: Digest, chart_cid: str | None) -> dict:
    label, word = PERIOD_LABELS[digest.frequency]
    scope = digest.names(t.id for t in digest.therapies)
    everything = len(digest.therapies) == len(digest.therapy_names)
    return {
        "d": digest, "s": STYLES, "subject": subject(digest), "period_label": label,
        "period_word": word, "chart_cid": chart_cid,
        "therapy_scope": "" if everything else scope,
        "quiet_line": "; ".join(
            t.name + (f" ({t.previous_total} the {word} before)" if t.previous_total else "")
            for t in digest.quiet_therapies),
    }


def render_text(digest: Digest) -> str:
    text = environment().get_template("digest.txt.j2").render(context(digest, None))
    return re.sub(r"\n{3,}", "\n\n", text)


def render_html(digest: Digest, chart_cid: str | None = None) -> str:
    return environment().get_template("digest.html.j2").render(context(digest, chart_cid))
