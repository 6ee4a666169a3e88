"""The ledger of a sender's exports, at any level (a commune's to its association, a
department's to the national federation): duplicates, gaps, broken chains, and the comparison
of what is held with the summary the sender signed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, Protocol

from mairie_cli.bundle.format import COMMUNE
from mairie_cli.bundle.records import StateSummary
from mairie_cli.bundle.verify import VerifiedBundle
from mairie_cli.errors import SequenceConflict, StateMismatch
from mairie_cli.models import TextEnum


class StateStatus(TextEnum):
    """Whether what the receiver holds of a sender is what the sender signed."""

    WAITING = "en attente"  # an export is not complete yet: nothing to compare
    CONFORMING = "conforme"
    DIFFERENT = "différent"


class LedgerStore(Protocol):
    """What the ledger reads and writes in a receiver's database (keyed by sender)."""

    def sequence(self, sender: str, sequence: int) -> dict[str, Any] | None: ...
    def part_digests(self, sender: str, sequence: int) -> list[tuple[int, str]]: ...
    def sequences(self, sender: str) -> list[dict[str, Any]]: ...
    def set_state_status(self, sender: str, status: str, sequence: int, at: str) -> None: ...
    def state_digests(self, sender: str) -> Iterable[tuple[str, int, str, int]]: ...
    def add_problem(self, sender: str, sequence: int | None, code: str, message: str, at: str) -> None: ...


def sender_words(level: str, sender: str) -> tuple[str, str]:
    """How a sender is named (« la commune 01001 », « le département 01 ») and how it sends
    everything again."""
    if level == COMMUNE:
        return f"la commune {sender}", "Appelez la mairie : un export complet (mairie exporter --tout)"
    return (
        f"le département {sender}",
        "Appelez l'association : un export complet (mairie asso exporter --tout)",
    )


def conflict(label: str, verified: VerifiedBundle, what: str) -> SequenceConflict:
    """The error of a part that contradicts what was received before."""
    who, remedy = sender_words(verified.level, verified.insee)
    return SequenceConflict(
        f"« {label} » : l'envoi n° {verified.sequence} (partie {verified.part}/{verified.parts}) de "
        f"{who} {what}. Rien n'a été appliqué. {remedy} remettra tout d'aplomb (sa base a "
        "peut-être été restaurée d'une sauvegarde)."
    )


def check_chain(store: LedgerStore, label: str, verified: VerifiedBundle, tag_digest: str) -> str:
    """Same number, same export; each export names the previous one's digest. Returns the
    export's digest when this part is its last one missing (else "")."""
    sender, number = verified.insee, verified.sequence
    known = store.sequence(sender, number)
    if known is not None and (
        known["parts"] != verified.parts
        or known["previous_digest"] != verified.previous_digest
        or json.loads(known["state"]) != verified.state
    ):
        raise conflict(label, verified, "a déjà été reçu avec un autre contenu")
    previous = store.sequence(sender, number - 1) if number > 1 else None
    if previous is not None and previous["digest"] and previous["digest"] != verified.previous_digest:
        raise conflict(
            label, verified, f"ne suit pas l'envoi n° {number - 1} reçu (chaîne des empreintes rompue)"
        )
    parts = dict(store.part_digests(sender, number))
    parts[verified.part] = tag_digest
    if len(parts) < verified.parts:
        return ""
    digest = "sha256:" + hashlib.sha256("\n".join(parts[k] for k in sorted(parts)).encode()).hexdigest()
    following = store.sequence(sender, number + 1)
    if following is not None and following["previous_digest"] != digest:
        raise conflict(
            label, verified, f"ne correspond pas à l'envoi n° {number + 1} déjà reçu (chaîne rompue)"
        )
    return digest


def check_state(
    store: LedgerStore, sender: str, at: str, level: str = COMMUNE, receiver: str = "l'association"
) -> dict[str, Any] | None:
    """Compare what is held of a sender with the summary it signed, when comparable: its
    latest export complete, and every earlier one in (or the latest a full export). Returns
    the difference (sender, export number, French explanation), or None."""
    sequences = store.sequences(sender)
    latest = sequences[-1]
    complete = all(s["received"] == s["parts"] for s in sequences)
    if latest["received"] < latest["parts"] or not (
        latest["full"] or (complete and len(sequences) == latest["sequence"])
    ):
        store.set_state_status(sender, StateStatus.WAITING.value, latest["sequence"], at)
        return None
    held = StateSummary.of_digests(store.state_digests(sender)).to_dict()
    signed = json.loads(latest["state"])
    if held == signed:
        store.set_state_status(sender, StateStatus.CONFORMING.value, latest["sequence"], at)
        return None
    who, remedy = sender_words(level, sender)
    message = (
        f"{who[0].upper()}{who[1:]} : après l'envoi n° {latest['sequence']}, {receiver} détient "
        f"{held['contributions']} contributions et {held['tombstones']} suppressions, l'envoi "
        f"en déclare {signed.get('contributions')} et {signed.get('tombstones')} (empreintes "
        f"différentes). {remedy} réglera l'écart."
    )
    store.set_state_status(sender, StateStatus.DIFFERENT.value, latest["sequence"], at)
    store.add_problem(sender, latest["sequence"], StateMismatch.code, message, at)
    return {"insee": sender, "sequence": latest["sequence"], "message": message}


def missing_sequences(sequences: list[dict[str, Any]]) -> list[str]:
    """What is still missing of a sender's exports: whole numbers and parts, in words."""
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
