"""The association's ledger of each commune's exports: duplicates, gaps, broken chains, and the
comparison of what is held with the summary the commune signed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mairie_cli.bundle.records import StateSummary
from mairie_cli.bundle.verify import VerifiedBundle
from mairie_cli.errors import SequenceConflict, StateMismatch
from mairie_cli.models import TextEnum
from mairie_cli.storage.association.store import AssociationStore


class StateStatus(TextEnum):
    """Whether what the association holds of a commune is what the commune signed."""

    WAITING = "en attente"  # an export is not complete yet: nothing to compare
    CONFORMING = "conforme"
    DIFFERENT = "différent"


def conflict(label: str, verified: VerifiedBundle, what: str) -> SequenceConflict:
    """The error of a part that contradicts what was received before."""
    return SequenceConflict(
        f"« {label} » : l'envoi n° {verified.sequence} (partie {verified.part}/{verified.parts}) de la "
        f"commune {verified.insee} {what}. Rien n'a été appliqué. Appelez la mairie : son registre "
        "a peut-être été restauré d'une sauvegarde ; un export complet (mairie exporter --tout) "
        "remettra tout d'aplomb."
    )


def check_chain(store: AssociationStore, label: str, verified: VerifiedBundle, tag_digest: str) -> str:
    """Same number, same export; each export names the previous one's digest. Returns the
    export's digest when this part is its last one missing (else "")."""
    insee, number = verified.insee, verified.sequence
    known = store.sequence(insee, number)
    if known is not None and (
        known["parts"] != verified.parts
        or known["previous_digest"] != verified.previous_digest
        or json.loads(known["state"]) != verified.state
    ):
        raise conflict(label, verified, "a déjà été reçu avec un autre contenu")
    previous = store.sequence(insee, number - 1) if number > 1 else None
    if previous is not None and previous["digest"] and previous["digest"] != verified.previous_digest:
        raise conflict(
            label, verified, f"ne suit pas l'envoi n° {number - 1} reçu (chaîne des empreintes rompue)"
        )
    parts = dict(store.part_digests(insee, number))
    parts[verified.part] = tag_digest
    if len(parts) < verified.parts:
        return ""
    digest = "sha256:" + hashlib.sha256("\n".join(parts[k] for k in sorted(parts)).encode()).hexdigest()
    following = store.sequence(insee, number + 1)
    if following is not None and following["previous_digest"] != digest:
        raise conflict(
            label, verified, f"ne correspond pas à l'envoi n° {number + 1} déjà reçu (chaîne rompue)"
        )
    return digest


def check_state(store: AssociationStore, insee: str, at: str) -> dict[str, Any] | None:
    """Compare what is held of a commune with the summary it signed, when comparable: its
    latest export complete, and every earlier one in (or the latest a full export). Returns
    the difference (commune, export number, French explanation), or None."""
    sequences = store.sequences(insee)
    latest = sequences[-1]
    complete = all(s["received"] == s["parts"] for s in sequences)
    if latest["received"] < latest["parts"] or not (
        latest["full"] or (complete and len(sequences) == latest["sequence"])
    ):
        store.set_state_status(insee, StateStatus.WAITING.value, latest["sequence"], at)
        return None
    held = StateSummary.of_digests(store.state_digests(insee)).to_dict()
    signed = json.loads(latest["state"])
    if held == signed:
        store.set_state_status(insee, StateStatus.CONFORMING.value, latest["sequence"], at)
        return None
    message = (
        f"Commune {insee} : après l'envoi n° {latest['sequence']}, l'association détient "
        f"{held['contributions']} contributions et {held['tombstones']} suppressions, la commune "
        f"en déclare {signed.get('contributions')} et {signed.get('tombstones')} (empreintes "
        "différentes) : demandez-lui un export complet (mairie exporter --tout)."
    )
    store.set_state_status(insee, StateStatus.DIFFERENT.value, latest["sequence"], at)
    store.add_problem(insee, latest["sequence"], StateMismatch.code, message, at)
    return {"insee": insee, "sequence": latest["sequence"], "message": message}


def missing_sequences(sequences: list[dict[str, Any]]) -> list[str]:
    """What is still missing of a commune's exports: whole numbers and parts, in words."""
    if not sequences:
        return []
    have = {s["sequence"]: s for s in sequences}
    missing: list[str] = []
    for number in range(1, max(have) + 1):
        row = have.get(number)
        if row is None:
            missing.append(f"n° {number}")
        elif row["received"] < row["parts"]:
            missing.append(f"n° {number} ({row['parts'] - row['received']} partie(s) sur {row['parts']})")
    return missing
