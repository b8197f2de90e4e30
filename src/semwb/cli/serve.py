"""``semwb serve``: start the web workbench."""

from pathlib import Path
from typing import Annotated

import typer

from semwb.cli.app import DataDirOption, app, console


@app.command(short_help="Start the web workbench (upload, validate, run, share).")
def serve(
    host: Annotated[str, typer.Option(
        help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: DataDirOption = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address to run analyses on (default: local processes).")] = None,
    workers: Annotated[int, typer.Option(
        min=1, help="Local worker processes for analyses.")] = 1,
    models: Annotated[Path, typer.Option(
        help="Folder of model specs offered as starting points.")] = Path("models"),
    max_upload_mb: Annotated[float, typer.Option(
        min=0.001, help="Largest upload accepted, in MB.")] = 50.0,
    quota_mb: Annotated[float, typer.Option(
        min=0.001, help="Uploads each user may keep, in MB.")] = 1000.0,
    base_url: Annotated[str | None, typer.Option(
        help="Address people reach the server at, for share links (default: http://HOST:PORT)."
    )] = None,
) -> None:
    """Start the web workbench (researchers upload, validate, run and share reports)."""
    from semwb.web.app import Settings, default_data_dir
    from semwb.web.app import serve as serve_app

    settings = Settings(
        data_dir=data_dir or default_data_dir(), max_upload_bytes=int(max_upload_mb * 1_000_000),
        models_dir=models, scheduler=scheduler, workers=workers,
        quota_bytes=int(quota_mb * 1_000_000), base_url=base_url or f"http://{host}:{port}",
    )
    serve_app(settings, host=host, port=port, announce=lambda: console.print(
        f"semwb: data in {settings.data_dir}; open http://{host}:{port}/"))
