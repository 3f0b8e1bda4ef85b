"""``kataloh acquisitions ...``: locations with inventory prefixes, and where numbering continues."""

import click
from flask.cli import with_appcontext

from catalog.db import get_session
from catalog.errors import CatalogError


@click.group("acquisitions")
def acquisitions_group():
    """Accounting settings: locations, inventory-number prefixes and sequences."""


@acquisitions_group.command("location")
@click.argument("code")
@click.argument("name", default="")
@click.option("--prefix", default="", help="Inventory numbers of copies kept here start with this (e.g. 'Р-').")
@with_appcontext
def location_command(code: str, name: str, prefix: str):
    """Create or change the location CODE (its NAME and inventory-number prefix)."""
    from catalog.acquisitions.services import save_location

    try:
        location = save_location(get_session(), "cli", code, name, prefix)
    except CatalogError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{location.code}: {location.name or '-'} (prefix '{location.inventory_prefix}')")


@acquisitions_group.command("locations")
@with_appcontext
def locations_command():
    """List locations and their inventory-number prefixes."""
    from catalog.acquisitions.services import list_locations

    for location in list_locations(get_session()):
        click.echo(f"{location.code}\t{location.inventory_prefix}\t{location.name}")


@acquisitions_group.command("continue-numbering")
@click.argument("next_number", type=int)
@click.option("--prefix", default="", help="The prefix whose numbering to set (default: no prefix).")
@with_appcontext
def sequence_command(next_number: int, prefix: str):
    """Continue a paper inventory book: the next inventory number given will be NEXT_NUMBER (only forward)."""
    from catalog.acquisitions.services import set_sequence_start

    try:
        set_sequence_start(get_session(), "cli", prefix, next_number)
    except CatalogError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"next inventory number: {prefix}{next_number}")


def register(cli_group) -> None:
    cli_group.add_command(acquisitions_group)
