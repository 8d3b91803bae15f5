"""The review web page: the queue, a paper's page, decisions, and the report, behind a login.

Server-rendered Jinja2 templates (Flask), no front-end build: one small static script adds the
keyboard shortcuts, and every action is a normal form post protected by a CSRF token
(Flask-WTF). Paper text is untrusted: templates autoescape it, and a strict Content Security
Policy forbids inline script everywhere.
"""

from tracker.web.app import create_app

__all__ = ["create_app"]
