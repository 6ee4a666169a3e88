"""Build the labelled set of cahier-style texts used to measure personal-data detection.

Written for this project (no real person's data, no corpus text): sentences in the style of
the 2019 cahiers, in which phone numbers, emails, NIRs, IBANs, addresses and names are placed
in the formats people actually write (and OCR garbles), next to look-alikes that must not be
masked (public figures, streets and schools named after people, institutions' mailboxes,
prices, dates, article numbers). Every span is labelled where it is placed.

    python scripts/make_privacy_set.py     # writes tests/data/donnees_personnelles.jsonl
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "tests" / "data" / "donnees_personnelles.jsonl"

FIRST = (
    "Jean Marie Pierre Michel Sophie Nathalie Philippe Isabelle Catherine Alain Sylvie Christophe "
    "Françoise Patrick Martine Bernard Monique Éric Valérie Thierry Céline Stéphane Hélène Gérard "
    "Jacqueline Laurent Chantal Julien Élodie Jean-Pierre Marie-Claude Anne-Sophie Jean-Luc Odile "
    "Gilles Josiane Yves Brigitte Denis Agnès Hervé Mireille Régis Ginette Loïc Maëlle"
).split()
LAST = (
    "Dupont Martin Bernard Petit Durand Leroy Moreau Simon Laurent Lefèvre Michel Garcia David "
    "Bertrand Roux Vincent Fournier Morel Girard André Mercier Blanc Guérin Boyer Garnier Chevalier "
    "Faure Rousseau Bonnet Lambert Fontaine Rivière Perrin Morin Mathieu Clément Gauthier Dumont "
    "Lopez Masson Marchand Duval Denis Lemaire Meunier Brun Barbier Arnaud Giraud Charpentier"
).split()
TOWNS = [
    ("01000", "Bourg-en-Bresse"), ("01400", "Châtillon-sur-Chalaronne"), ("01250", "Ceyzériat"),
    ("01160", "Pont-d'Ain"), ("01340", "Marsonnas"), ("01290", "Pont-de-Veyle"), ("01800", "Meximieux"),
    ("01120", "Montluel"), ("01190", "Pont-de-Vaux"), ("01510", "Artemare"),
]  # fmt: skip
WAYS = [
    "rue des Lilas", "rue de la Gare", "avenue du Général de Gaulle", "chemin de la Croix",
    "impasse des Tilleuls", "place de l'Église", "route de Lyon", "allée des Peupliers",
    "rue Jean Jaurès", "avenue Victor Hugo", "boulevard Voltaire", "rue du Moulin", "chemin des Vignes",
    "rue de la Mairie", "Grande Rue", "quai du Port", "rue Pasteur", "place du Marché",
    "rue de l'École", "lotissement Les Érables", "hameau de Fleyriat", "rue Louis Pasteur",
]  # fmt: skip
WEBMAIL = [
    "orange.fr",
    "gmail.com",
    "wanadoo.fr",
    "free.fr",
    "laposte.net",
    "hotmail.fr",
    "yahoo.fr",
    "sfr.fr",
]

FILLERS = [
    "Nous demandons le retour du médecin au village.",
    "La fermeture de la trésorerie est une honte.",
    "Le prix du gazole ne cesse d'augmenter, nous n'en pouvons plus.",
    "Il faut rétablir l'ISF et baisser la TVA sur les produits de première nécessité.",
    "Les retraités ont perdu du pouvoir d'achat avec la hausse de la CSG.",
    "Le bus ne passe plus que deux fois par jour.",
    "Internet ne fonctionne pas dans le hameau, impossible de faire les démarches en ligne.",
    "Nous voulons un référendum d'initiative citoyenne.",
    "Les agriculteurs doivent pouvoir vivre de leur travail.",
    "La poste n'ouvre plus que le mardi matin.",
    "Il faut limiter les salaires des grands patrons.",
    "Les urgences sont à 45 minutes de chez nous.",
]
NEGATIVES = [
    "Monsieur le Maire, merci d'avoir ouvert ce cahier.",
    "Madame la Préfète doit entendre les communes rurales.",
    "M. Macron doit écouter le peuple.",
    "Emmanuel Macron est le président des riches.",
    "Le président Macron a supprimé l'ISF.",
    "Comme disait Jean Jaurès, le courage c'est de chercher la vérité.",
    "L'école Jules Ferry va fermer une classe.",
    "Le collège Jean Moulin manque de professeurs.",
    "La rue Victor Hugo est mal éclairée.",
    "La place Charles de Gaulle est devenue un parking.",
    "Marine Le Pen et Jean-Luc Mélenchon n'ont pas de solution.",
    "Nous fêtons la Saint-Jean chaque année sur la place.",
    "Jeanne d'Arc a sauvé la France, qui nous sauvera ?",
    "Pour tout renseignement, écrire à mairie@marsonnas.fr ou contact@amr01.org.",
    "Le secrétariat répond à accueil@pontdeveyle.fr.",
    "Le terrain s'est vendu 1 250 000 euros en 2018.",
    "Réunion le 12/03/2019 à 18 h 30, salle des fêtes.",
    "L'article 49.3 doit être supprimé.",
    "Nous travaillons 35 heures et gagnons 1 200 euros par mois.",
    "La route de la gare est dangereuse.",
    "Le numéro d'urgence 112 ne passe pas dans la vallée.",
    "Le code postal 01340 regroupe trois villages.",
    "Nicolas Sarkozy et François Hollande n'ont rien fait pour nous.",
    "Madame Michu, comme on dit, n'y comprend plus rien.",
    "Les Gilets Jaunes ont raison sur le prix de l'essence.",
    "Le docteur est parti à la retraite et n'a pas été remplacé.",
]
# Labelled templates: {KIND} slots are filled and labelled; « Madame Michu » above is a
# proverbial figure, deliberately left as a hard case.
TEMPLATES = [
    "{F} Je peux être joint au {PHONE} pour en parler.",
    "Contact : {PHONE} (après 18 h).",
    "Mon téléphone : {PHONE}, mon courriel : {EMAIL}.",
    "Écrivez-moi à {EMAIL} si vous voulez des précisions. {F}",
    "{F} Signé : {NAME}",
    "{F}\nSignature : {NAME}, {ADDRESS}",
    "Je m'appelle {NAME} et j'habite au {ADDRESS}. {F}",
    "Je soussignée {NAME}, domiciliée {ADDRESS}, demande la réouverture du bureau de poste.",
    "M. {SURNAME} demande que la route soit refaite. {F}",
    "Mme {SURNAME} signale que {F_LOWER}",
    "Monsieur {NAME} propose de créer une maison de santé. Tél. {PHONE}.",
    "Madame {SURNAME}, {ADDRESS}, souhaite être recontactée au {PHONE}.",
    "Le docteur {SURNAME} ne prend plus de nouveaux patients. {F}",
    "{F} Pour me verser les sommes dues : IBAN {IBAN}.",
    "Mon numéro de sécurité sociale est le {NIR}, la CPAM l'a perdu trois fois.",
    "Dossier CAF bloqué depuis six mois (n° sécu {NIR}). {F}",
    "{NAME}, {ADDRESS}. {F}",
    "{F} {NAME} ({EMAIL})",
    "Famille {SURNAME}, {ADDRESS} — {PHONE}",
    "{F} Voici mon RIB : {IBAN}, au nom de {NAME}.",
    "J'habite {STREET_ONLY} et le car scolaire ne s'arrête plus. {F}",
    "{F} Mon adresse : {ADDRESS}. Mon numéro : {PHONE}.",
    "{NAME_CAPS} demande la baisse des taxes. {F}",
    "Signé par {NAME}, retraité, {ADDRESS}.",
    "{F} Je reste joignable au {PHONE} ou par courriel {EMAIL}. Merci. {NAME}",
    "Dr {SURNAME}, médecin à la retraite : {F_LOWER}",
    "M. et Mme {SURNAME} ({PHONE}) : {F_LOWER}",
    "Mon fils {FIRST_ONLY} {SURNAME} n'a pas trouvé de stage. {F}",
    "Remarque de {NAME} : {F_LOWER}",
    "{F} Réponse souhaitée à {EMAIL}.",
]  # fmt: skip


def _phone(rng: random.Random) -> str:
    first = rng.choice(["6", "7", "1", "2", "3", "4", "5", "9"])
    rest = [f"{rng.randint(10, 99)}" for _ in range(4)]
    if first == "7":  # mobile numbers 07 start with 073 to 079
        rest[0] = f"{rng.randint(30, 99)}"
    head = f"0{first}"
    style = rng.randrange(11)
    groups = [head, *rest]
    if style == 0:
        return " ".join(groups)
    if style == 1:
        return ".".join(groups)
    if style == 2:
        return "-".join(groups)
    if style == 3:
        return "".join(groups)
    if style == 4:
        return f"+33 {first} " + " ".join(rest)
    if style == 5:
        return f"+33 (0){first} " + " ".join(rest)
    if style == 6:
        return f"0033 {first} " + " ".join(rest)
    if style == 7:
        return f"+33{first}{''.join(rest)}"
    if style == 8:  # OCR: « 0 » read as « O »
        return "O" + first + " " + " ".join(rest)
    if style == 9:
        return "\u00a0".join(groups)
    return f"{head} {rest[0]} {rest[1]} {rest[2]} {rest[3]}".replace(" ", ". ", 1)


def _email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    plain = {"é": "e", "è": "e", "ë": "e", "ï": "i", "ç": "c", "-": ""}
    f = "".join(plain.get(c, c) for c in first.lower())
    last_ascii = "".join(plain.get(c, c) for c in last.lower())
    local = rng.choice(
        [f"{f}.{last_ascii}", f"{f[0]}{last_ascii}", f"{last_ascii}{rng.randint(1, 99)}", f"{f}_{last_ascii}"]
    )
    domain = rng.choice(WEBMAIL)
    at = rng.choice(["@", "@", "@", "@", " @ ", "(at)", "[at]", "©", " arobase "])
    if rng.random() < 0.1:
        domain = domain.replace(".", " . ")
    return f"{local}{at}{domain}"


def _nir(rng: random.Random) -> str:
    department = rng.choice(["01", "69", "75", "2A", "2B", "38", "71"])
    parts = [str(rng.choice([1, 2])), f"{rng.randint(30, 99):02d}", f"{rng.randint(1, 12):02d}", department,
             f"{rng.randint(1, 999):03d}", f"{rng.randint(1, 999):03d}"]  # fmt: skip
    number = int("".join(parts).replace("2A", "19").replace("2B", "18"))
    parts.append(f"{97 - number % 97:02d}")
    return rng.choice([" ", "", " "]).join(parts)


def _iban(rng: random.Random) -> str:
    bank, branch = rng.randint(10000, 99999), rng.randint(10000, 99999)
    bban = f"{bank}{branch}{rng.randint(10**10, 10**11 - 1)}{rng.randint(10, 97):02d}"
    numeric = "".join(str(int(c, 36)) for c in bban + "FR00")
    iban = f"FR{98 - int(numeric) % 97:02d}{bban}"
    if rng.random() < 0.3:
        return iban
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _address(rng: random.Random) -> str:
    number = rng.choice(
        [
            str(rng.randint(1, 120)),
            f"{rng.randint(1, 40)} bis",
            f"{rng.randint(1, 40)} ter",
            f"{rng.randint(1, 60)},",
        ]
    )
    way = rng.choice(WAYS)
    postcode, town = rng.choice(TOWNS)
    style = rng.randrange(4)
    if style == 0:
        return f"{number} {way}"
    if style == 1:
        return f"{number} {way}, {postcode} {town}"
    if style == 2:
        return f"{number} {way} {postcode} {town}"
    return f"{way}, {postcode} {town}"


def build(count: int = 320, seed: int = 2019) -> list[dict]:
    rng = random.Random(seed)
    items = []
    for index in range(count):
        if index % 8 == 7:  # one text in eight has no personal data, only look-alikes
            text = " ".join(rng.sample(NEGATIVES, 2) + rng.sample(FILLERS, 1))
            items.append({"id": index + 1, "text": text, "spans": []})
            continue
        template = TEMPLATES[index % len(TEMPLATES)]
        text, spans = _fill(template, rng)
        if rng.random() < 0.35:
            text += " " + rng.choice(NEGATIVES)
        items.append({"id": index + 1, "text": text, "spans": spans})
    return items


def _fill(template: str, rng: random.Random) -> tuple[str, list[dict]]:
    out = ""
    spans = []
    position = 0
    for match in re.finditer(r"\{(\w+)\}", template):
        out += template[position : match.start()]
        slot = match.group(1)
        kind, value = _value(slot, rng)
        if kind:
            spans.append({"kind": kind, "start": len(out), "end": len(out) + len(value), "text": value})
        out += value
        position = match.end()
    out += template[position:]
    return out, spans


def _value(slot: str, rng: random.Random) -> tuple[str | None, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if slot == "F":
        return None, rng.choice(FILLERS)
    if slot == "F_LOWER":
        sentence = rng.choice(FILLERS)
        return None, sentence[0].lower() + sentence[1:]
    if slot == "PHONE":
        return "TÉLÉPHONE", _phone(rng)
    if slot == "EMAIL":
        return "COURRIEL", _email(rng)
    if slot == "NIR":
        return "NIR", _nir(rng)
    if slot == "IBAN":
        return "IBAN", _iban(rng)
    if slot == "ADDRESS":
        return "ADRESSE", _address(rng)
    if slot == "STREET_ONLY":
        return "ADRESSE", rng.choice(WAYS[:8])
    if slot == "NAME":
        return "NOM", f"{first} {last}"
    if slot == "NAME_CAPS":
        return "NOM", rng.choice([f"{last.upper()} {first}", f"{first} {last.upper()}"])
    if slot == "SURNAME":
        return "NOM", last
    if slot == "FIRST_ONLY":
        return "NOM", first
    raise ValueError(slot)


def main() -> None:
    items = build()
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with TARGET.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    kinds: dict[str, int] = {}
    for item in items:
        for span in item["spans"]:
            kinds[span["kind"]] = kinds.get(span["kind"], 0) + 1
    print(f"{len(items)} textes écrits dans {TARGET} ; repères : {kinds}")


if __name__ == "__main__":
    main()
