"""`esign profile ...`: named provider + base URL combinations in the config file."""

from __future__ import annotations

from typing import Annotated

import typer

from esign.cli._typer import app_context, command, new_group
from esign.cli.completion import complete_profile, complete_provider
from esign.cli.params import Yes, argument, option
from esign.cli.run import confirm

app = new_group("profile")

ProfileName = Annotated[
    str,
    argument(
        metavar="NAME",
        help="The profile's name.",
        autocompletion=complete_profile,
    ),
]


@command(app, "add")
def add(
    name: ProfileName,
    provider: Annotated[
        str,
        option(
            help="okdokument, zapsign or indexhealth.",
            autocompletion=complete_provider,
        ),
    ],
    base_url: Annotated[str | None, option(help="The provider's API base URL.")] = None,
    default: Annotated[
        bool, typer.Option("--default", help="Make it the default profile.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing profile.")] = False,
    allow_http: Annotated[
        bool, typer.Option("--allow-http", help="Allow plain http:// to a non-loopback host.")
    ] = False,
    client_id: Annotated[str | None, option(help="IndexHealth client ID.")] = None,
    user_email: Annotated[str | None, option(help="IndexHealth user email.")] = None,
    user_first_name: Annotated[str | None, option(help="IndexHealth user first name.")] = None,
    user_last_name: Annotated[str | None, option(help="IndexHealth user last name.")] = None,
    group_name: Annotated[str | None, option(help="IndexHealth group (domain) name.")] = None,
    fingerprint: Annotated[
        str | None, option(help="IndexHealth fingerprint [default: stable per profile].")
    ] = None,
) -> None:
    """Add a profile. The first profile becomes the default.

    Example: esign profile add prod --provider zapsign --default
    """
    from esign.core.models import Outcome
    from esign.ops.profiles import ProfileSpec, add_profile

    app_ctx = app_context()
    settings = {
        "client_id": client_id,
        "user_email": user_email,
        "user_first_name": user_first_name,
        "user_last_name": user_last_name,
        "group_name": group_name,
        "fingerprint": fingerprint,
    }
    spec = ProfileSpec(
        name=name,
        provider=provider,
        base_url=base_url,
        make_default=default,
        allow_http=allow_http,
        replace=force,
        settings={k: v for k, v in settings.items() if v is not None},
    )
    app_ctx.output.emit(Outcome(add_profile(app_ctx, spec)))
    app_ctx.output.info(f"next: esign auth login --profile {name}")


@command(app, "list")
def list_() -> None:
    """List profiles; the default is marked."""
    from esign.core.models import Outcome
    from esign.ops.profiles import list_profiles

    app_ctx = app_context()
    app_ctx.output.emit(Outcome(list_profiles(app_ctx)))


@command(app, "show")
def show(name: ProfileName) -> None:
    """Show one profile's settings (never its secret)."""
    from esign.core.models import Outcome
    from esign.ops.profiles import show_profile

    app_ctx = app_context()
    app_ctx.output.emit(Outcome(show_profile(app_ctx, name)))


@command(app, "use")
def use(name: ProfileName) -> None:
    """Make a profile the default."""
    from esign.core.models import Outcome
    from esign.ops.profiles import use_profile

    app_ctx = app_context()
    app_ctx.output.emit(Outcome(use_profile(app_ctx, name)))


@command(app, "set")
def set_(
    name: ProfileName,
    key: Annotated[
        str,
        argument(
            help="base_url, allow_http, proxy, ca_bundle, or an IndexHealth setting "
            "(client_id, user_email, ...).",
        ),
    ],
    value: Annotated[str, typer.Argument(help="The new value (never a secret).")],
) -> None:
    """Change one setting of a profile; the value is checked first.

    Examples: esign profile set prod proxy http://proxy.corp:3128
              esign profile set prod ca_bundle ~/corp-ca.pem
    """
    from esign.core.models import Outcome
    from esign.ops.profiles import set_profile_value

    app_ctx = app_context()
    app_ctx.output.emit(Outcome(set_profile_value(app_ctx, name, key, value)))


@command(app, "unset")
def unset(
    name: ProfileName,
    key: Annotated[str, argument(help="The setting to remove.")],
) -> None:
    """Remove one setting of a profile (it falls back to the environment or the default)."""
    from esign.core.models import Outcome
    from esign.ops.profiles import unset_profile_value

    app_ctx = app_context()
    app_ctx.output.emit(Outcome(unset_profile_value(app_ctx, name, key)))


@command(app, "remove")
def remove(
    name: ProfileName,
    yes: Yes = False,
) -> None:
    """Remove a profile and its stored secrets. Asks first on a terminal; needs --yes
    otherwise."""
    from esign.ops.profiles import remove_profile, show_profile

    app_ctx = app_context()
    show_profile(app_ctx, name)  # fail on an unknown name before asking
    confirm(app_ctx, f"Remove profile {name} and its stored secrets?", yes=yes)
    app_ctx.output.emit(remove_profile(app_ctx, name))
