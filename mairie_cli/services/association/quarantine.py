"""The quarantine: refused bundles kept with their reason, and the explanation of a key that
is not trusted (with the key itself, ready to be trusted after a phone call)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mairie_cli.bundle.bag import OpenedBag
from mairie_cli.bundle.verify import embedded_key
from mairie_cli.crypto import signing
from mairie_cli.errors import MairieError, OutsideDepartment, SignatureInvalid, UntrustedKey
from mairie_cli.services.association.workspace import Association
from mairie_cli.services.receiving import keep_in_quarantine
from mairie_cli.storage.database import transaction


def untrusted_key_error(
    association: Association, label: str, insee: str, key_id: str, bag: OpenedBag, context: dict[str, Any]
) -> MairieError:
    """Why a bag signed by a key not trusted for its commune is refused, with what to do; the key
    it carries is written beside the quarantine so that it can be trusted after a phone call."""
    carried = embedded_key(bag)
    trusted = association.store.trusted_keys(insee)
    if carried is None or carried.key_id != key_id:
        return UntrustedKey(
            f"« {label} » est signé par une clé inconnue (identifiant {key_id or '?'}) pour la "
            f"commune {insee} : demandez à la mairie le fichier commune-{insee}.pub (mairie cle)."
        )
    try:
        signing.verify(carried, bag.tagmanifest, bag.signature)
    except SignatureInvalid:
        return SignatureInvalid(
            f"« {label} » : la signature ne correspond pas au contenu. Ne l'utilisez pas."
        )
    key_file = association.workspace.quarantine_dir / f"commune-{insee}-{carried.key_id}.pub"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(carried.file_text(f"clé présentée par la commune {insee}"), encoding="utf-8")
    context["key_file"] = key_file.relative_to(association.workspace.root).as_posix()
    trust = (
        f"Si la mairie lit la même empreinte (commande « mairie cle » chez elle) : mairie asso "
        f"confiance ajouter « {key_file} » --commune {insee}, puis mairie asso recevoir "
        "--quarantaine."
    )
    if trusted:
        known = ", ".join(k["fingerprint"] for k in trusted)
        return UntrustedKey(
            f"« {label} » se dit de la commune {insee} mais est signé par une autre clé que celle "
            f"reconnue (empreinte reconnue {known}, empreinte de ce paquet {carried.fingerprint}) : "
            "paquet peut-être falsifié, ou clé changée après une réinstallation. Appelez la "
            f"mairie. {trust}"
        )
    return UntrustedKey(
        f"« {label} » vient de la commune {insee}, dont aucune clé n'est encore reconnue. "
        f"Empreinte de sa clé : {carried.fingerprint}. {trust}"
    )


def put_in_quarantine(
    association: Association, path: Path, label: str, sha256: str, exc: MairieError, context: dict[str, Any]
) -> None:
    """Keep a refused file in ``quarantaine/`` with its reason (nothing of it is applied)."""
    insee = context.get("insee")
    with transaction(association.db):
        if insee and not isinstance(exc, OutsideDepartment):
            association.store.note_commune(insee, None)
        keep_in_quarantine(association.workspace, association.store, path, label, sha256, exc, context)
