"""What every command shares: French help and errors, the workspace option, one error handler.

Typer (and the Click it carries) speak English in a few places: the usage line, section titles,
``--help``'s own description and usage errors. They are put into French here, in one place,
and every failure is turned into « Erreur : [Exxx] phrase » plus its exit code.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import typer.core
from typer import _click

from mairie_cli.errors import DiskError, ExitCode, InvalidValue, MairieError, UnexpectedError

if TYPE_CHECKING:  # imported by the commands that open a workspace, not at start-up
    from mairie_cli.services.association.workspace import Association
    from mairie_cli.services.commune.register import Register
    from mairie_cli.services.national.workspace import National

_FRENCH = {
    "Arguments": "Arguments",
    "Options": "Options",
    "Commands": "Commandes",
    "default: {default}": "par défaut : {default}",
    "required": "obligatoire",
    "env var: {var}": "variable d'environnement : {var}",
    "(dynamic)": "(calculé)",
    "(deprecated) ": "(obsolète) ",
    "Missing command.": "Il manque la commande.",
    "No such command {name!r}.": "La commande « {name} » n'existe pas.",
    "Aborted!": "Abandon.",
}

# Click's own messages for values it refuses, as French sentences.
_VALUE_MESSAGES = [  # compiled only when an error is shown: start-up time matters
    (r"^Input should be a valid integer.*$", "un nombre entier est attendu."),
    (r"^Input should be a valid (?:number|float|decimal).*$", "un nombre est attendu."),
    (r"^Input should be greater than or equal to (\S+).*$", "le minimum est {0}."),
    (r"^Input should be less than or equal to (\S+).*$", "le maximum est {0}."),
    (r"^Input should be (.*)$", "valeur attendue : {0}."),
    (r"^'?(.*?)'? is not a valid integer\.?$", "« {0} » n'est pas un nombre entier."),
    (r"^'?(.*?)'? is not a valid float\.?$", "« {0} » n'est pas un nombre."),
    (r"^'?(.*?)'? is not one of (.*)\.?$", "« {0} » n'est pas l'une des valeurs {1}."),
    (r"^'?(.*?)'? is not in the range (.*)\.?$", "« {0} » n'est pas compris dans {1}."),
    (r"^(?:File|Path|Directory) '?(.*?)'? does not exist\.?$", "« {0} » n'existe pas."),
    (r"^(?:File|Path) '?(.*?)'? is a directory\.?$", "« {0} » est un dossier."),
    (r"^Directory '?(.*?)'? is a file\.?$", "« {0} » est un fichier."),
]


def _translate(message: str) -> str:
    return _FRENCH.get(message, message)


typer.core._ = _translate  # type: ignore[attr-defined]

HELP_TEXT = "Afficher cette aide et quitter."
CONTEXT = {"help_option_names": ["--help", "-h"]}


def _french_help_option(command: Any, ctx: _click.Context) -> Any:
    option = command._french_help_parent.get_help_option(command, ctx)
    if option is not None:
        option.help = HELP_TEXT
    return option


class FrenchHelpFormatter(_click.HelpFormatter):
    """Click's help layout with French words and typography (« Options : »), without the
    programmer's notations Typer adds (``{ID}``, ``<list[Path]>``, ``[x>=1]``)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = re.sub(r"\{([^{}]+)\}", r"\1", args)
        super().write_usage(prog, args, prefix="Utilisation : " if prefix is None else prefix)

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        plain = [(re.sub(r"\s+<[^<>]*>$", "", term), _plain_ranges(text)) for term, text in rows]
        super().write_dl(plain, col_max, col_spacing)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading} :\n")


def _plain_ranges(text: str) -> str:
    """Click's « x>=1 », « 1<=x<=9 » as « au moins 1 », « de 1 à 9 »."""
    text = re.sub(r"(\S+)<=x<=(\S+?)(?=[;\]])", r"de \1 à \2", text)
    text = re.sub(r"x>=(\S+?)(?=[;\]])", r"au moins \1", text)
    text = re.sub(r"x<=(\S+?)(?=[;\]])", r"au plus \1", text)
    return re.sub(r"\[[^\[\]]*\]$", lambda extra: extra[0].replace("; ", " ; "), text)


class FrenchContext(typer.Context):
    """A context whose help is formatted by ``FrenchHelpFormatter``."""

    formatter_class = FrenchHelpFormatter


class MairieCommand(typer.core.TyperCommand):
    """A command whose help is in French."""

    context_class = FrenchContext
    _french_help_parent = typer.core.TyperCommand
    get_help_option = _french_help_option


class MairieGroup(typer.core.TyperGroup):
    """A command group in French; the root one also turns every failure into a sentence."""

    context_class = FrenchContext
    _french_help_parent = typer.core.TyperGroup
    get_help_option = _french_help_option

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = run_safely(
            lambda: super(MairieGroup, self).main(
                args=args,
                prog_name="mairie",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )  # fmt: skip
        )
        if standalone_mode:
            sys.exit(code)
        return code


def run_safely(call: Callable[[], Any]) -> int:
    """Run the command line and turn every failure into a French sentence and an exit code."""
    try:
        _check_arguments()
        result = call()
    except MairieError as exc:
        report_error(exc)
        return int(exc.exit_code)
    except UnicodeError:  # bytes that are not text, typed or given as an argument
        unreadable = InvalidValue(
            "Des caractères illisibles ont été tapés ou donnés (encodage inattendu) : retapez-les, ou "
            "enregistrez le fichier en UTF-8. Rien n'a été modifié."
        )
        report_error(unreadable)
        return int(unreadable.exit_code)
    except _click.exceptions.NoArgsIsHelpError as exc:  # « mairie » alone: its help, once
        typer.echo(exc.ctx.get_help())
        return 0
    except _click.exceptions.UsageError as exc:
        _report_usage_error(exc)
        return int(ExitCode.USAGE)
    except typer.Abort:
        typer.echo("Abandon : rien n'a été modifié.", err=True)
        return 1
    except OSError as exc:
        if _debug():
            raise
        from mairie_cli.files import cause

        where = f" ({exc.filename})" if exc.filename else ""
        disk_error = DiskError(
            f"Opération sur le disque impossible : {cause(exc)}{where}. Vérifiez le "
            "chemin, la place libre et vos droits sur le dossier."
        )
        report_error(disk_error)
        return int(disk_error.exit_code)
    except Exception as exc:
        if "sqlite3" in sys.modules:  # imported only by commands that open a database
            from mairie_cli.services import translated

            error = translated(exc)
            if error is not None:
                report_error(error)
                return int(error.exit_code)
        if _debug():
            raise
        unexpected = UnexpectedError(
            f"Erreur inattendue ({type(exc).__name__}). Rien de ce qui était enregistré n'est "
            "perdu. Relancez la commande avec --debug et transmettez le message à "
            "l'association départementale."
        )
        report_error(unexpected)
        return int(unexpected.exit_code)
    return result if isinstance(result, int) else 0


def _check_arguments() -> None:
    """An argument holding bytes that are not UTF-8 (a file name from an old USB stick) cannot be
    used as text: said at once, in French."""
    for argument in sys.argv[1:]:
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            from mairie_cli.textnorm import printable

            raise InvalidValue(
                f"L'argument « {printable(argument, 80)} » contient des caractères illisibles "
                "(encodage inattendu) : renommez le fichier ou retapez l'argument."
            ) from None


def report_error(exc: MairieError) -> None:
    """Print « Erreur : [Exxx] phrase » and its details on stderr."""
    typer.secho(f"Erreur : [{exc.code}] {exc.message}", err=True, fg="red")
    for line in exc.details:
        typer.echo(f"  - {line}", err=True)


def _report_usage_error(exc: _click.exceptions.UsageError) -> None:
    ctx = exc.ctx
    message = _usage_message(exc)
    if ctx is not None:
        typer.echo(ctx.get_usage(), err=True)
    typer.secho(f"Erreur : {message}", err=True, fg="red")
    path = ctx.command_path if ctx is not None else "mairie"
    typer.echo(f"Tapez « {path} --help » pour l'aide.", err=True)


def _usage_message(exc: _click.exceptions.UsageError) -> str:
    exceptions = _click.exceptions
    if isinstance(exc, exceptions.NoSuchOption):
        text = f"l'option « {exc.option_name} » n'existe pas."
        if exc.possibilities:
            text += " Vouliez-vous dire " + " ou ".join(sorted(exc.possibilities)) + " ?"
        return text
    if isinstance(exc, exceptions.MissingParameter):
        param = exc.param
        name = _param_name(param) if param is not None else ""
        kind = "l'argument" if _is_argument(param) else "l'option"
        return f"il manque {kind} « {name} »."
    if isinstance(exc, exceptions.BadParameter):
        name = _param_name(exc.param) if exc.param is not None else ""
        return f"valeur refusée pour « {name} » : {_value_message(exc.message)}"
    message = exc.format_message()
    suggested = re.match(r"^(.*?)\.? Did you mean (.*)\?$", message)
    if suggested:
        names = " ou ".join(f"« {name} »" for name in re.findall(r"'([^']+)'", suggested[2]))
        return f"{suggested[1].rstrip('.')}. Vouliez-vous dire {names} ?"
    extra = re.match(r"^Got unexpected extra argument(?:s|\(s\))? \((.*)\)$", message, re.DOTALL)
    if extra:
        hint = (
            ' Un titre de plusieurs mots s\'écrit entre guillemets droits, par exemple "Cahier de doléances".'
            if any(mark in extra[1] for mark in "«»“”")
            else ""
        )
        return f"argument(s) en trop : {extra[1]}.{hint}"
    if message.startswith("Option") and "requires" in message:
        return f"l'option {message.split()[1]} attend une valeur."
    return _translate(message)


def _value_message(message: str) -> str:
    for pattern, french in _VALUE_MESSAGES:
        match = re.match(pattern, message.strip())
        if match:
            return french.format(*match.groups())
    return message


def _is_argument(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "argument"


def _param_name(param: Any) -> str:
    if _is_argument(param):
        return str(param.human_readable_name)
    return str(param.opts[0]) if param.opts else str(param.name)


def _debug() -> bool:
    return "--debug" in sys.argv or os.environ.get("MAIRIE_DEBUG") == "1"


# -- shared state and options ------------------------------------------------------------


@dataclass
class State:
    """Options given before the command (``mairie --dossier X liste``)."""

    folder: Path | None = None
    debug: bool = False


def state(ctx: typer.Context) -> State:
    """The state set by the root callback (a default one when a command runs alone)."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def open_register(ctx: typer.Context, folder: Path | None = None) -> Register:
    """Open the commune's workspace chosen by ``--dossier``, ``MAIRIE_DOSSIER`` or the current
    folder."""
    from mairie_cli.services.commune.register import Register

    return Register.open(folder or state(ctx).folder)


def open_association(ctx: typer.Context, folder: Path | None = None) -> Association:
    """Open the association's workspace chosen the same way."""
    from mairie_cli.services.association.workspace import Association

    return Association.open(folder or state(ctx).folder)


def open_national(ctx: typer.Context, folder: Path | None = None) -> National:
    """Open the national federation's workspace chosen the same way."""
    from mairie_cli.services.national.workspace import National

    return National.open(folder or state(ctx).folder)


def new_app(help_text: str) -> typer.Typer:
    """A Typer application (or sub-group) with French help and no locals in tracebacks."""
    return typer.Typer(
        cls=MairieGroup,
        help=help_text,
        rich_markup_mode=None,
        pretty_exceptions_show_locals=False,
        add_completion=False,
        no_args_is_help=True,
        context_settings=CONTEXT,
        subcommand_metavar="COMMANDE [ARGUMENTS]...",
    )


class Commands:
    """The commands a CLI module declares, and its sub-groups: the one way commands are added.

    A module holds ``commands = Commands()`` and decorates each function with
    ``@commands.command("nom")``; a group is ``commands.group("nom", "aide")``, itself a
    ``Commands``. ``app.py`` adds every module's commands to the program.
    """

    def __init__(self, help_text: str = "") -> None:
        self.help_text = help_text
        self._commands: list[tuple[str, Callable[..., Any]]] = []
        self._groups: list[tuple[str, Commands]] = []

    def command(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a command (its docstring is its French help)."""

        def declare(function: Callable[..., Any]) -> Callable[..., Any]:
            self._commands.append((name, function))
            return function

        return declare

    def group(self, name: str, help_text: str) -> Commands:
        """Declare a group of commands (``mairie asso …``)."""
        group = Commands(help_text)
        self._groups.append((name, group))
        return group

    def add_to(self, app: typer.Typer) -> None:
        """Add these commands and groups to a Typer application, with French help."""
        for name, function in self._commands:
            app.command(name, cls=MairieCommand, context_settings=CONTEXT)(function)
        for name, group in self._groups:
            sub_app = new_app(group.help_text)
            group.add_to(sub_app)
            app.add_typer(sub_app, name=name)
