"""The kgraph command line: validate, export, query and serve the knowledge graph."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kgraph.errors import KgraphError
from kgraph.settings import Settings


class KgraphGroup(click.Group):
    """Runs commands so that a KgraphError is one line on stderr and its exit code, never a trace."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KgraphError as exc:
            click.echo(f"kgraph: {exc.reason}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=KgraphGroup)
@click.version_option(package_name="kgraph")
def main() -> None:
    """kgraph: a knowledge graph of English children's services and their Ofsted inspections."""


def settings_from(data: Path | None) -> Settings:
    """Settings from the environment, with --data overriding the data folder."""
    from dataclasses import replace

    settings = Settings.from_env()
    return replace(settings, data_dir=data) if data else settings
