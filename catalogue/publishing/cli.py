"""`catalogue users ...` and `catalogue tokens ...`: administer accounts from the shell."""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path


import click

from catalogue.publishing.accounts import ROLES, AccountError, Accounts


def _accounts(ctx: click.Context) -> Accounts:
    return Accounts(ctx.obj.catalogue.store)


@click.group()
def users():
    """Create, list and disable user accounts."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="publisher, steward or admin.")
@click.option("--publisher", default="", help="Organisation id (required for the publisher role).")
@click.option("--password-env", metavar="VAR", help="Read the password from this environment variable.")
@click.pass_context
def users_create(ctx, email, role, publisher, password_env):
    """Create a user. Asks for the password unless --password-env names a variable holding it.

    \b
    Examples:
      catalogue users create iao@example.org --role publisher --publisher department-for-education
      DEMO_PW=... catalogue users create steward@example.org --role steward --password-env DEMO_PW
    """
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.ClickException(f"the environment variable {password_env} is empty or not set")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _accounts(ctx).create_user(email, role=role, password=password, publisher=publisher)
    click.echo(f"Created {user.role} {user.email}" + (f" for {user.publisher}" if user.publisher else ""))


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def users_list(ctx, as_json):
    """List users with their role, organisation and status."""
    rows = _accounts(ctx).users()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for u in rows:
        status = "disabled" if u["disabled"] else "active"
        click.echo(f"{u['email']:40} {u['role']:10} {u['publisher'] or '-':45} {status}")


@users.command("disable")
@click.argument("email")
@click.pass_context
def users_disable(ctx, email):
    """Disable a user and revoke their API tokens (nothing is deleted)."""
    _accounts(ctx).disable_user(email)
    click.echo(f"Disabled {email} and revoked their tokens.")


@click.group()
def tokens():
    """Create, list and revoke API tokens."""


@tokens.command("create")
@click.argument("email")
@click.pass_context
def tokens_create(ctx, email):
    """Create an API token for a user; it has the user's role and organisation.

    The token is printed once, alone on the last line; only its hash is stored.
    Use it as 'Authorization: Bearer <token>'.
    """
    token_id, token = _accounts(ctx).create_token(email)
    click.echo(f"Token {token_id} for {email}. Keep it secret; it will not be shown again:")
    click.echo(token)


@tokens.command("list")
@click.option("--email", help="Only this user's tokens.")
@click.pass_context
def tokens_list(ctx, email):
    """List token ids (never the tokens themselves)."""
    for t in _accounts(ctx).tokens(email):
        click.echo(f"{t['id']}  {t['email']:40} {t['role']:10} {'revoked' if t['revoked'] else 'active'}")


@tokens.command("revoke")
@click.argument("token_id")
@click.pass_context
def tokens_revoke(ctx, token_id):
    """Revoke an API token by its id (tok_...)."""
    _accounts(ctx).revoke_token(token_id)
    click.echo(f"Revoked {token_id}.")


@click.command("demo-users")
@click.pass_context
def demo_users(ctx):
    """Make sure the demo publisher and steward accounts exist, and print how to sign in.

    Passwords are generated once and kept in <instance>/demo-logins.json (readable by you only).
    """
    accounts = _accounts(ctx)
    path = Path(ctx.obj.settings.instance_dir) / "demo-logins.json"
    logins = json.loads(path.read_text()) if path.exists() else {}
    wanted = {"publisher@example.org": ("publisher", "department-for-education"),
              "steward@example.org": ("steward", "")}
    for email, (role, pub) in wanted.items():
        if accounts.principal(email) is None:
            logins[email] = secrets.token_urlsafe(12)
            accounts.create_user(email, role=role, password=logins[email], publisher=pub)
    path.write_text(json.dumps(logins, indent=2))
    path.chmod(0o600)
    click.echo("Demo sign-in (http://127.0.0.1:5000/login):")
    for email, (role, pub) in wanted.items():
        if email in logins:
            click.echo(f"  {role:9} {email}  password: {logins[email]}" + (f"  ({pub})" if pub else ""))


COMMANDS = [users, tokens, demo_users]
