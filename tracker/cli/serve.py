"""`tracker serve`: the review page, the report and its feeds, behind a login."""

from __future__ import annotations

import click

from tracker.cli.app import App, out, pass_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep 127.0.0.1 unless a proxy with TLS is in front.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@pass_app
def serve(app: App, host: str, port: int) -> None:
    """Serve the review queue, paper pages and reports on a local web page (login required).

    Needs a session secret ([web] secret_key in tracker.toml or TRACKER_SECRET_KEY) and at least
    one reviewer (`tracker users add NAME`).
    """
    import waitress  # a production WSGI server: Flask's own is for development only

    from tracker.web import create_app

    web = create_app(app.settings, app.baseline, app.db)
    out.print(f"Review page on http://{host}:{port}/ (Ctrl-C to stop)")
    waitress.serve(web, host=host, port=port, threads=8, ident="trd-tracker")
