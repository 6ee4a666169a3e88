"""INSEE commune codes (code officiel géographique)."""

from __future__ import annotations

import re

from mairie_cli.errors import InvalidInsee

_MAINLAND = re.compile(r"^(0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5])(\d{3})$")
_CORSICA = re.compile(r"^(2[AB])(\d{3})$")
_OVERSEAS = re.compile(r"^(97[1-6])(\d{2})$")


def normalize_insee(value: str) -> str:
    """Check an INSEE commune code and return it in canonical form (``2a004`` → ``2A004``).

    Five characters: two digits of department (01–95 except 20) and three of commune; Corsica
    uses ``2A``/``2B``; the overseas departments 971–976 use three digits and two.
    """
    code = value.strip().upper()
    for pattern in (_MAINLAND, _CORSICA, _OVERSEAS):
        match = pattern.match(code)
        if match:
            if int(match[2]) == 0:
                break
            return code
    raise InvalidInsee(
        f"Le code INSEE « {value.strip()} » n'est pas valide : il compte 5 caractères, par "
        "exemple 01001 (Ain), 2A004 (Corse-du-Sud) ou 97411 (La Réunion). Le code INSEE "
        "n'est pas le code postal : vous le trouverez sur le site de l'INSEE ou auprès de "
        "votre préfecture."
    )


def department_of(insee: str) -> str:
    """The department part of a valid INSEE code: ``01``, ``2A``, ``974``."""
    return insee[:3] if insee.startswith("97") else insee[:2]


_DEPARTMENT = re.compile(r"^(0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5]|2[AB]|97[1-6])$")


def normalize_department(value: str) -> str:
    """Check a department number and return it in canonical form (``1`` → ``01``, ``2a`` → ``2A``)."""
    from mairie_cli.errors import InvalidDepartment

    code = value.strip().upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    if not _DEPARTMENT.match(code):
        raise InvalidDepartment(
            f"« {value.strip()} » n'est pas un numéro de département : deux chiffres (01 pour l'Ain), "
            "2A ou 2B pour la Corse, trois chiffres outre-mer (974 pour La Réunion)."
        )
    return code
