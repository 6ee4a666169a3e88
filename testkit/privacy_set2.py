"""A second labelled set for personal data, built another way than the first and than the rules.

The first set (``scripts/make_privacy_set.py``) is sentences written for the project around the
data. This one starts from texts people wrote — the Grand Débat contributions of
``../shared/corpus/texts`` when present (read where they lie, never copied), otherwise plain
base sentences below — and inserts personal data where people put it: a signature or a closing
line, « j'habite … », « appelez-moi au … », a list of co-signers, a family or a neighbour, a
social-security number or an IBAN for a refund, numbers written as hands write them (dots,
dashes, « +33 (0) », a digit missing, a key digit swapped). Names come from their own lists,
first names partly outside the detector's lexicon. Every inserted span is labelled.

Items alternate between a development half (``part == "dev"``) and an unseen half
(``part == "unseen"``): only the first may be looked at while changing the rules.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

SURNAMES = (
    "Martin Bernard Dubois Durand Leroy Moreau Lefebvre Mercier Bonnet Fournier Girard Morel "
    "Duvigneau Cœuret Kerjean Etcheverry Lagarrigue Pujol Schnell Nguyen Haddad Vasseur Jacquet "
    "Brunet Perrin Chevalier Barbier Arnaud Rolland Collet Guillot Carpentier Lemaire Picard"
).split()
FIRST_NAMES = (
    "Jeanne Joseph Marcel Ginette Fernand Huguette Josiane Bernadette Thierry Nadia Yannick "
    "Maëlys Enzo Soizic Karim Fatima Kilian Lou Mohamed Jean-Claude Gwenaëlle Odette Raymond"
).split()
TOWNS = ["Saint-Amour", "Bourg-en-Bresse", "Villefranche-sur-Saône", "Le Puy-en-Velay", "Ambérieu-en-Bugey"]
WAYS = ["rue", "chemin", "impasse", "route", "allée", "place"]
WAY_NAMES = ["des Tilleuls", "du Moulin", "de la Gare", "Pasteur", "des Écoles", "du Stade", "de l'Église"]
BASES = [
    "Nous voulons que les services publics restent ouverts dans les villages.",
    "Le prix du carburant pèse sur les familles qui n'ont pas d'autre moyen que la voiture.",
    "Il faudrait rétablir une permanence de la caisse de retraite une fois par mois.",
    "Les petites retraites ne suffisent plus pour se chauffer l'hiver.",
    "La fermeture de la ligne de car oblige les jeunes à quitter la commune.",
    "Il n'y a plus de médecin à moins de trente kilomètres.",
]


def _phone(rng: random.Random) -> str:
    digits = [f"0{rng.choice('1234567')}"] + [f"{rng.randint(0, 99):02d}" for _ in range(4)]
    style = rng.randrange(6)
    if style == 0:
        return " ".join(digits)
    if style == 1:
        return ".".join(digits)
    if style == 2:
        return "-".join(digits)
    if style == 3:
        return "+33 (0)" + digits[0][1] + " " + " ".join(digits[1:])
    if style == 4:
        return "+33 " + digits[0][1] + " " + " ".join(digits[1:])
    return " ".join(digits)[:-1]  # a digit missing


def _nir(rng: random.Random) -> str:
    body = f"{rng.choice('12')}{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 95):02d}"
    body += f"{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    key = 97 - int(body) % 97
    if rng.random() < 0.5:
        key = int(str(key).zfill(2)[::-1])  # the two key digits swapped
    parts = [body[0], body[1:3], body[3:5], body[5:7], body[7:10], body[10:13], f"{key:02d}"]
    return " ".join(parts) if rng.random() < 0.6 else "".join(parts)


def _iban(rng: random.Random) -> str:
    bank = "".join(str(rng.randint(0, 9)) for _ in range(23))
    numeric = int("".join(str(int(c, 36)) for c in bank + "FR00"))
    check = 98 - numeric % 97
    if rng.random() < 0.4:
        check = (check + 1) % 100  # a wrong key
    compact = f"FR{check:02d}{bank}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _email(rng: random.Random, first: str, last: str) -> str:
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{last}{rng.randint(1, 99)}"])
    local = local.lower().replace("ë", "e").replace("œ", "oe").replace("é", "e").replace(" ", "")
    return f"{local}@{rng.choice(['orange.fr', 'gmail.com', 'laposte.net', 'free.fr'])}"


class _Text:
    """A text being built, with the labels of what is inserted."""

    def __init__(self, base: str) -> None:
        self.text = base.strip()
        self.spans: list[dict[str, Any]] = []

    def add(self, *pieces: tuple[str, str | None]) -> None:
        """Append pieces; those with a kind are labelled."""
        for piece, kind in pieces:
            if kind:
                self.spans.append({"kind": kind, "start": len(self.text), "end": len(self.text) + len(piece)})
            self.text += piece


Insert = Callable[[_Text, random.Random], None]


def _signature(t: _Text, rng: random.Random) -> None:
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    form = rng.randrange(5)
    if form == 0:
        t.add(("\nSigné : ", None), (f"{first} {last}", "NOM"))
    elif form == 1:
        t.add(("\nCordialement,\n", None), (f"{first} {last}", "NOM"))
    elif form == 2:
        t.add((f"\n{rng.choice(['Mme', 'M.', 'M', 'Mlle'])} ", None), (last, "NOM"))
    elif form == 3:
        t.add(("\n", None), (f"{last.upper()} {first}", "NOM"))
    else:
        t.add(("\nBien à vous,\n", None), (last.upper(), "NOM"))


def _home(t: _Text, rng: random.Random) -> None:
    address = f"{rng.randint(1, 60)} {rng.choice(WAYS)} {rng.choice(WAY_NAMES)}"
    if rng.random() < 0.5:
        address += f", {rng.randint(1, 95):02d}{rng.randint(0, 999):03d} {rng.choice(TOWNS)}"
    t.add((" J'habite au ", None), (address, "ADRESSE"), (" depuis vingt ans.", None))


def _call_me(t: _Text, rng: random.Random) -> None:
    lead = rng.choice([" Appelez-moi au ", " Mon téléphone : ", " Joignable au ", " Tél. "])
    t.add((lead, None), (_phone(rng), "TÉLÉPHONE"), (".", None))


def _mail(t: _Text, rng: random.Random) -> None:
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    t.add(
        (rng.choice([" Écrivez-moi : ", " Mon adresse : ", " Contact : "]), None),
        (_email(rng, first, last), "COURRIEL"),
    )


def _cosigners(t: _Text, rng: random.Random) -> None:
    people = [f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}" for _ in range(rng.randint(2, 4))]
    t.add(("\nOnt signé : ", None))
    for index, person in enumerate(people):
        if index:
            t.add((" et " if index == len(people) - 1 else ", ", None))
        t.add((person, "NOM"))


def _family(t: _Text, rng: random.Random) -> None:
    last, first = rng.choice(SURNAMES), rng.choice(FIRST_NAMES)
    form = rng.randrange(5)
    if form == 0:
        t.add((" Comme la famille ", None), (last, "NOM"), (", nous attendons.", None))
    elif form == 1:
        t.add((" Mon voisin ", None), (first, "NOM"), (" n'a plus de bus.", None))
    elif form == 2:
        t.add((" La veuve ", None), (last, "NOM"), (" vit seule.", None))
    elif form == 3:
        t.add((" Les sœurs ", None), (last, "NOM"), (" sont d'accord.", None))
    else:
        t.add((" La femme ", None), (f"{last} {first}", "NOM"), (" a signé aussi.", None))


def _nir_refund(t: _Text, rng: random.Random) -> None:
    t.add((" Mon numéro de sécurité sociale : ", None), (_nir(rng), "NIR"), (".", None))


def _iban_refund(t: _Text, rng: random.Random) -> None:
    t.add((" Pour le remboursement, mon RIB : ", None), (_iban(rng), "IBAN"), (".", None))


INSERTS: list[Insert] = [_signature, _home, _call_me, _mail, _cosigners, _family, _nir_refund, _iban_refund]


def build(texts: list[str] | None = None, count: int = 400, seed: int = 2026) -> list[dict[str, Any]]:
    """``count`` labelled items (``text``, ``spans``, ``part``) from ``texts`` (else BASES)."""
    rng = random.Random(seed)
    pool = [t for t in (texts or []) if 60 <= len(t) <= 600] or BASES
    items = []
    for number in range(count):
        t = _Text(rng.choice(pool))
        chosen = rng.sample(INSERTS, rng.randint(1, 3))
        # A signature or a list of co-signers closes a text, as on paper.
        for insert in sorted(chosen, key=lambda f: f in (_signature, _cosigners)):
            insert(t, rng)
        items.append({"text": t.text, "spans": t.spans, "part": "dev" if number % 2 == 0 else "unseen"})
    return items
