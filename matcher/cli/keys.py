"""``matcher keys create|revoke|list`` and ``matcher assign|unassign`` (partners and their firms)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from matcher.cli.common import HomeOption, open_matcher
from matcher.schema import ROLES

if TYPE_CHECKING:
    from matcher.services.access import AccessControl

keys_app = typer.Typer(help="API keys: create (shown once), revoke, list.", no_args_is_help=True)


def _access(home: HomeOption) -> AccessControl:
    return open_matcher(home).access


@keys_app.command("create")
def create(
    role: Annotated[str, typer.Option("--role", help=f"one of {', '.join(ROLES)}")],
    name: Annotated[str, typer.Option("--name", help="who holds it; partners are assigned firms by this name")],
    firm_id: Annotated[str | None, typer.Option("--firm-id", help="the firm (firm keys only)")] = None,
    home: HomeOption = None,
) -> None:
    """Create a key. Its plaintext is printed once, alone on the last line, and stored only as a hash."""
    new = _access(home).create_key(role, name, firm_id)
    scope = f" for firm {new.info.firm_id}" if new.info.firm_id else ""
    typer.echo(f"created {new.info.role} key {new.info.key_id} ({new.info.name}{scope}); it is shown only now:",
               err=True)
    typer.echo(new.token)


@keys_app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="a key id, or a name (revokes every active key with that name)")],
    home: HomeOption = None,
) -> None:
    """Revoke keys; requests with them get 401 from then on."""
    typer.echo(f"revoked {_access(home).revoke(key)} key(s)")


@keys_app.command("list")
def list_keys(
    all_keys: Annotated[bool, typer.Option("--all", help="include revoked keys")] = False,
    home: HomeOption = None,
) -> None:
    """Key ids, names, roles and firms (never the keys themselves)."""
    keys = _access(home).list_keys(include_revoked=all_keys)
    if not keys:  # an empty answer read as a command that did nothing
        none = "no keys yet" if all_keys else "no active keys (--all lists revoked ones too)"
        typer.echo(f"{none}: create one with `matcher keys create --role {'|'.join(ROLES)} --name NAME`")
    for key in keys:
        revoked = f"  revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else ""
        typer.echo(f"{key.key_id}  {key.role:<8} {key.name}  {key.firm_id or '-'}  "
                   f"created {key.created_at:%Y-%m-%d}{revoked}")


def assign(
    partner: Annotated[str, typer.Argument(help="the partner keys' --name")],
    firm_id: Annotated[str, typer.Argument(help="the firm the partner may see and shortlist for")],
    home: HomeOption = None,
) -> None:
    """Assign a firm to a partner."""
    new = _access(home).assign(partner, firm_id, actor="cli")
    typer.echo(f"{'assigned' if new else 'already assigned'}: {firm_id} -> {partner}")


def unassign(
    partner: Annotated[str, typer.Argument(help="the partner keys' --name")],
    firm_id: Annotated[str, typer.Argument(help="the firm to withdraw")],
    home: HomeOption = None,
) -> None:
    """Withdraw a firm from a partner."""
    _access(home).unassign(partner, firm_id)
    typer.echo(f"unassigned: {firm_id} -/-> {partner}")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.command("assign")(assign)
    app.command("unassign")(unassign)
