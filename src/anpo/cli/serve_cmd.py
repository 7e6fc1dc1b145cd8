"""`anpo serve`: the web application (pages and their JSON twins) on uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from anpo.cli.app import app


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on. / 待ち受けアドレス")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port. / ポート")] = 8000,
) -> None:
    """Serve the web pages and the JSON API. / ウェブ画面とAPIを提供する"""
    import uvicorn

    uvicorn.run("anpo.web.app:serve_app", factory=True, host=host, port=port, log_level="info")
