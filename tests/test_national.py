"""The national federation (issue « Échelon national »): real communes export to two real
associations, which export their departments; the federation verifies, merges by (commune,
UUID) with provenance, and quarantines what breaks a rule, nothing of it merged."""

import json
import shutil
import sqlite3

import pytest

from mairie_cli.errors import ExitCode
from mairie_cli.services.association.export import export_department
from mairie_cli.services.association.reception import receive as asso_receive
from mairie_cli.services.association.workspace import Association
from mairie_cli.services.national.reception import receive
from mairie_cli.services.national.workspace import National
from mairie_cli.services.receiving import Receipt
from testkit.bundles import Commune, resign_department


class Department:
    """An association and its communes, exporting to the federation."""

    def __init__(self, root, code, communes, national, seed):
        self.association, _ = Association.init(root / f"asso-{code}", code, f"AMR {code}")
        self.communes = []
        for offset, insee in enumerate(communes):
            commune = Commune(root / insee, insee, self.association.recipients(), seed + offset)
            self.association.trust(insee, commune.public_key_file())
            commune.add(4 + offset)
            asso_receive(self.association, commune.export())
            self.communes.append(commune)
        self.association.set_national_recipients([national.recipient()])
        self.key_file = self.association.publish_signing_key(root / f"cles-{code}")
        self.mail = root / f"courrier-{code}"
        self.mail.mkdir()

    def export(self, **options):
        """The files of a new export, copied aside as the federation receives them (a later
        export may reuse a name after a restored backup)."""
        kept = []
        for exported in export_department(self.association, **options).files:
            kept.append(self.mail / f"{len(list(self.mail.iterdir())):03d}-{exported.name}")
            shutil.copy2(exported.path, kept[-1])
        return kept

    def expected(self):
        found = {}
        for commune in self.communes:
            found.update(commune.expected())
        return found


@pytest.fixture
def france(tmp_path):
    national, _ = National.init(tmp_path / "national")
    ain = Department(tmp_path, "01", ("01001", "01002"), national, 0)
    aisne = Department(tmp_path, "02", ("02001",), national, 10)
    yield national, ain, aisne
    for closing in (national, ain.association, aisne.association):
        closing.close()


def held(national):
    with sqlite3.connect(national.workspace.db_path) as conn:
        rows = conn.execute(
            "SELECT insee, uuid, version, commune_digest, department, department_sequence, envoi, deleted_at "
            "FROM contributions"
        ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_two_departments_merge_with_provenance(france):
    national, ain, aisne = france
    national.trust("01", ain.key_file)
    national.trust("02", aisne.key_file)
    report = receive(national, [*ain.export(), *aisne.export()])
    assert [o.status for o in report.outcomes] == [Receipt.APPLIED, Receipt.APPLIED]
    merged = held(national)
    expected = {**ain.expected(), **aisne.expected()}
    assert merged.keys() == expected.keys()
    for key, (version, commune_digest, department, sequence, envoi, deleted) in merged.items():
        # The digest the commune computed, recomputed at the federation.
        assert (version, commune_digest) == (expected[key][0], expected[key][1])
        assert department == key[0][:2] and sequence == 1 and envoi == 1 and deleted is None
    status = national.status()
    assert status["heard"] == ["01", "02"] and "03" in status["silent"] and len(status["silent"]) == 99
    by_code = {d["department"]: d for d in status["departments"]}
    assert by_code["01"]["state"] == "conforme" and by_code["02"]["state"] == "conforme"
    assert by_code["01"]["communes_heard"] == 2 and by_code["01"]["contributions"] == 9
    assert by_code["01"]["association"] == "AMR 01"
    # The same files again: duplicates, nothing opened.
    again = receive(national, [ain.association.workspace.exports_dir])
    assert [o.status for o in again.outcomes] == [Receipt.DUPLICATE]


def test_later_versions_win_in_any_order(france):
    national, ain, _ = france
    national.trust("01", ain.key_file)
    first = ain.export()
    commune = ain.communes[0]
    [changed, removed, *_] = [key[1] for key in sorted(commune.expected())]
    commune.register.correct(changed, text="Texte corrigé par la mairie.")
    commune.register.delete(removed)
    asso_receive(ain.association, commune.export())
    second = ain.export()
    report = receive(national, second)  # the second before the first
    assert report.missing == {"01": ["n° 1"]}
    assert national.status()["departments"][0]["state"] == "en attente"
    receive(national, first)
    merged = held(national)
    assert merged[("01001", changed)][0] == 2 and merged[("01001", changed)][3] == 2
    assert merged[("01001", removed)][5] is not None
    assert national.status()["departments"][0]["state"] == "conforme"


def test_an_untrusted_association_is_quarantined_until_trusted(france):
    national, ain, _ = france
    report = receive(national, ain.export())
    [outcome] = report.outcomes
    assert outcome.status == Receipt.QUARANTINED and outcome.code == "E191"
    assert "mairie national confiance ajouter" in outcome.message and not held(national)
    [kept] = national.store.quarantined()
    key_file = national.workspace.root / kept["key_file"]
    national.trust("01", key_file)
    retried = receive(national, [], retry_quarantine=True)
    assert [o.status for o in retried.outcomes] == [Receipt.APPLIED] and held(national)
    assert national.store.quarantined() == []


def test_a_key_trusted_for_another_department_is_refused(france):
    national, ain, aisne = france
    national.trust("02", ain.key_file)  # the Ain's key, trusted for the Aisne by mistake
    [outcome] = receive(national, ain.export()).outcomes
    assert outcome.code == "E191" and not held(national)


def test_a_replayed_sequence_with_another_content_is_quarantined(france, tmp_path):
    national, ain, _ = france
    national.trust("01", ain.key_file)
    root = ain.association.workspace.root
    ain.association.close()
    shutil.copytree(root, tmp_path / "sauvegarde")
    ain.association = Association.open(root)
    first = ain.export()
    ain.association.close()
    # The association's computer restored from yesterday's backup, then a commune sends more.
    shutil.rmtree(root)
    shutil.copytree(tmp_path / "sauvegarde", root)
    ain.association = Association.open(root)
    commune = ain.communes[1]
    commune.add(2)
    asso_receive(ain.association, commune.export())
    replayed = ain.export()
    report = receive(national, [*first, *replayed])
    assert [o.status for o in report.outcomes] == [Receipt.APPLIED, Receipt.QUARANTINED]
    assert report.outcomes[1].code == "E193" and "autre contenu" in report.outcomes[1].message
    assert len(held(national)) == 9  # the first export only


def forged(national, department, bundle, tmp_path, change):
    identity = national.identities()[0]
    return resign_department(
        bundle, tmp_path / f"forge-{bundle.name}", department.association.signing_secret, identity, change
    )


def moved_to(code):
    """A forgery: the department's first commune renamed ``code`` in its records and description."""

    def change(files):
        lines = files["data/contributions.jsonl"].decode().splitlines()
        first = json.loads(lines[0])["insee"]
        files["data/contributions.jsonl"] = files["data/contributions.jsonl"].replace(
            f'"insee":"{first}"'.encode(), f'"insee":"{code}"'.encode()
        )
        return files

    return change


def test_a_department_speaks_only_for_its_communes(france, tmp_path):
    national, ain, aisne = france
    national.trust("01", ain.key_file)
    national.trust("02", aisne.key_file)
    [bundle] = aisne.export()
    outside = forged(national, aisne, bundle, tmp_path, moved_to("01003"))
    [outcome] = receive(national, [outside]).outcomes
    assert outcome.status == Receipt.QUARANTINED and outcome.code == "E192" and "01003" in outcome.message
    assert not held(national)


def test_a_commune_claimed_by_two_departments_is_refused(france, tmp_path):
    national, ain, aisne = france
    national.trust("01", ain.key_file)
    national.trust("02", aisne.key_file)
    receive(national, ain.export())
    before = held(national)
    [bundle] = aisne.export()
    claiming = forged(national, aisne, bundle, tmp_path, moved_to("01001"))
    [outcome] = receive(national, [claiming]).outcomes
    assert outcome.code == "E197" and "01001 (déjà envoyée par le département 01)" in outcome.message
    assert held(national) == before


def test_a_commune_bundle_given_to_the_federation_is_refused(france):
    national, ain, _ = france
    national.trust("01", ain.key_file)
    commune = ain.communes[0]
    commune.add(1)
    [outcome] = receive(national, commune.export()).outcomes
    # Encrypted to the association, not the federation: it cannot even be opened here.
    assert outcome.status == Receipt.QUARANTINED and not held(national)


def test_commands(france, cli_at):
    national, ain, aisne = france
    root = national.workspace.root
    run_cli = cli_at(root)
    result = run_cli("national", "confiance", "ajouter", str(ain.key_file), "--departement", "01", "--oui")
    assert result.exit_code == 0, result.output
    result = run_cli("national", "recevoir", *map(str, ain.export()), *map(str, aisne.export()))
    assert result.exit_code == ExitCode.RECEPTION_INCOMPLETE  # the Aisne is not trusted yet
    status = json.loads(run_cli("national", "etat", "--json").stdout)
    assert status["heard"] == ["01"] and status["quarantine"][0]["code"] == "E191"
    key = json.loads(run_cli("national", "cle", "--json").stdout)
    assert key["recipient"].startswith("age1")


def test_national_synthesis(france, tmp_path):
    import csv as csvlib

    from openpyxl import load_workbook

    from mairie_cli.services.national.synthesis import build_national_synthesis

    national, ain, aisne = france
    national.trust("01", ain.key_file)
    national.trust("02", aisne.key_file)
    receive(national, [*ain.export(), *aisne.export()])
    result = build_national_synthesis(national)
    assert result.contributions == 13 and result.departments == 2 and result.communes_heard == 3
    with result.csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csvlib.DictReader(handle, delimiter=";"))
    expected = {**ain.expected(), **aisne.expected()}
    assert len(rows) == len(expected) == 13
    assert {
        (r["commune_insee"], r["departement"], r["envoi_departement"], r["envoi_commune"]) for r in rows
    } == {("01001", "01", "1", "1"), ("01002", "01", "1", "1"), ("02001", "02", "1", "1")}
    book = load_workbook(result.workbook, read_only=True)
    assert book.sheetnames == [
        "Synthèse",
        "Par département",
        "Par taille de commune",
        "Textes représentatifs",
        "Méthode",
    ]
    departments = list(book["Par département"].iter_rows(values_only=True))
    assert [r[0] for r in departments[1:]] == ["01", "02"] and departments[1][8] == 9
    summary = {r[0]: r[1] for r in book["Synthèse"].iter_rows(values_only=True) if len(r) > 1}
    assert summary["Contributions"] == 13 and summary["Communes entendues"] == 3
    assert summary["Pages manuscrites pas encore tapées dans les communes"] == 0
    method = " ".join(str(r[1]) for r in book["Méthode"].iter_rows(values_only=True) if len(r) > 1)
    assert "1 048 576" in method and result.taxonomy in method


def test_national_synthesis_in_workers_is_the_same(france, monkeypatch):
    """Above a few thousand contributions, worker processes each read a range of communes:
    the CSV and the workbook are the same as when this process reads everything."""
    from openpyxl import load_workbook

    from mairie_cli import parallel
    from mairie_cli.services.national import synthesis

    national, ain, aisne = france
    national.trust("01", ain.key_file)
    national.trust("02", aisne.key_file)
    receive(national, [*ain.export(), *aisne.export()])
    alone = synthesis.build_national_synthesis(national)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(synthesis, "BATCH_ROWS", 2)  # several ranges, in order
    shared = synthesis.build_national_synthesis(
        national, alone.workbook.with_name("w.xlsx"), alone.csv.with_name("w.csv")
    )
    assert shared.csv.read_bytes() == alone.csv.read_bytes()
    assert shared.themes == alone.themes and shared.communes_heard == alone.communes_heard == 3

    def sheets(path):
        book = load_workbook(path, read_only=True)
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames[:-1]}

    assert sheets(shared.workbook) == sheets(alone.workbook)


def test_national_printable_report(france, tmp_path, cli_at):
    """« national synthese --rapport »: the national figures on a few pages, as PDF (fonts
    embedded, nothing past a page's edge) and HTML (everything inside), saying the same."""
    import re
    import subprocess

    from mairie_cli.models import NewContribution

    national, ain, aisne = france
    petition = (
        "Nous demandons le rétablissement de l'ISF, la baisse de la TVA sur les produits de première "
        "nécessité et une fiscalité plus juste pour les retraités et les familles modestes des campagnes."
    )
    for department in (ain, aisne):
        for commune in department.communes:
            commune.add(3, words=40)  # texts long enough to be quoted
            commune.register.add(NewContribution(text=petition))  # the same letter everywhere
            asso_receive(department.association, commune.export())
    with sqlite3.connect(ain.association.workspace.db_path) as conn:  # as the communes' bundles said
        conn.execute("UPDATE communes SET pages_to_type = 2 WHERE insee = '01002'")
    national.trust("01", ain.key_file)
    national.trust("02", aisne.key_file)
    receive(national, [*ain.export(), *aisne.export()])
    done = cli_at(national.workspace.root)(
        "national", "synthese", "--sortie", str(tmp_path / "n.xlsx"), "--rapport"
    )
    assert done.exit_code == 0, done.output
    pdf, page = tmp_path / "n.pdf", tmp_path / "n.html"
    assert f"Rapport : {pdf}" in done.output and f"Rapport : {page}" in done.output
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), fonts
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")[:-1]
    assert 2 <= len(pages) <= 8 and f"Page 1 / {len(pages)}" in text
    flat = " ".join(text.split())
    for title in ("Qui a été entendu", "Les quatre thèmes du Grand Débat national", "Les thèmes des cahiers",
                  "Communes et départements", "Ce que disent les contributions", "Méthode"):  # fmt: skip
        assert title in flat
    assert "2 département(s) sur 101 ont envoyé" in flat and "3 commune(s) entendue(s)" in flat
    assert "2 page(s) manuscrite(s) ne sont pas encore tapées" in flat
    assert "25 contribution(s)" in flat and "AMR 01" in flat and "AMR 02" in flat
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    for sheet in re.finditer(r'<page width="([\d.]+)".*?</page>', boxes, re.S):
        right = max((float(x) for x in re.findall(r'xMax="([\d.]+)"', sheet.group(0))), default=0.0)
        assert right <= float(sheet.group(1)), "a word printed past the page's edge"
    html_text = page.read_text(encoding="utf-8")
    assert html_text.count("<svg") == 3 and not re.search(r"(src|href)=\"https?:", html_text)
    quotes = re.findall(r"<blockquote>« (.*?) »<footer>(.*?)</footer>", html_text)
    assert quotes, "no representative text"
    for quote, source in quotes:
        assert 150 <= len(quote) <= 600 and re.search(r"\((01|02)\)", source)
        assert " ".join(quote.split())[:50].replace("&#x27;", "'") in flat.replace("’", "'")
    assert sum("rétablissement de l&#x27;ISF" in quote for quote, _ in quotes) == 1  # a petition once


def test_the_federation_is_backed_up_and_carries_on(france, tmp_path, cli_at):
    """The federation's computer dies: its backup brings back trust, ledger, contributions and
    key; the next bundle of a department follows on; a backup of another kind is refused."""
    national, ain, aisne = france
    national.trust("01", ain.key_file)
    receive(national, ain.export())
    root = national.workspace.root
    before = held(national)
    national.close()
    usb = tmp_path / "usb"
    usb.mkdir()
    saved = cli_at(root)("national", "sauvegarder", "--vers", str(usb))
    assert saved.exit_code == 0, saved.output
    [backup] = usb.glob("sauvegarde-federation-nationale-*")
    shutil.rmtree(root)  # the PC died
    wrong = cli_at(tmp_path / "asso-neuve")("asso", "restaurer", str(backup))
    assert wrong.exit_code == ExitCode.INVALID_VALUE and "mairie national restaurer" in wrong.stderr
    restored = cli_at(root)("national", "restaurer", str(backup))
    assert restored.exit_code == 0, restored.output
    with National.open(root) as copy:
        assert held(copy) == before and copy.identity_path.exists()
        ain.communes[0].add(2)
        asso_receive(ain.association, ain.communes[0].export())
        report = receive(copy, ain.export())  # sequence 2 follows the restored ledger
        assert [o.status for o in report.outcomes] == [Receipt.APPLIED]
        assert (
            json.loads(cli_at(root)("national", "etat", "--json").stdout)["departments"][0]["missing"] == []
        )
    refused = cli_at(root)("national", "restaurer", str(backup))
    assert refused.exit_code == ExitCode.WORKSPACE_CONFLICT


def test_the_backup_key_opens_what_associations_sent(france, tmp_path, cli_at):
    """With a backup key in the safe, associations encrypt to both: the federation that lost its
    own key receives with the backup one (``--identite``); the age program opens it too."""
    import subprocess

    national, ain, _ = france
    root = national.workspace.root
    run_cli = cli_at(root)
    inside = run_cli("national", "cle", "--secours", str(root / "s.key"))
    assert inside.exit_code == ExitCode.KEY_PROBLEM and not (root / "s.key").exists()
    safe = tmp_path / "coffre"
    safe.mkdir()
    made = run_cli("national", "cle", "--secours", str(safe / "secours.key"), "--json")
    assert made.exit_code == 0, made.output
    keys = json.loads(made.stdout[made.stdout.index("{") :])["recipients"]
    assert len(keys) == 2 and keys[0] == national.recipient()
    ain.association.set_national_recipients(keys)
    national.trust("01", ain.key_file)
    [bundle] = ain.export()
    plain = tmp_path / "clair.zip"
    subprocess.run(["age", "-d", "-i", str(safe / "secours.key"), "-o", str(plain), str(bundle)], check=True)
    national.identity_path.unlink()  # the federation's own key is lost
    report = receive(national, [bundle], identities=[safe / "secours.key"])
    assert [o.status for o in report.outcomes] == [Receipt.APPLIED]


def test_themes_are_worked_out_once_when_received(france, tmp_path):
    """Reception stores each text's themes with the digest of the taxonomy that made them; the
    synthesis reads them (the same figures as classifying again), and classifies again with any
    other taxonomy file."""
    from mairie_cli.services.national.synthesis import build_national_synthesis
    from mairie_cli.synthesis.taxonomy import DEFAULT, load

    national, ain, aisne = france
    national.trust("01", ain.key_file)
    national.trust("02", aisne.key_file)
    receive(national, [*ain.export(), *aisne.export()])
    with sqlite3.connect(national.workspace.db_path) as conn:
        stored = set(conn.execute("SELECT taxonomy_digest, theme_main IS NOT NULL FROM contributions"))
    assert stored == {(load().digest, 1)}
    query = "SELECT uuid, theme_main, theme_secondary, theme_score, taxonomy_digest FROM contributions"
    with sqlite3.connect(national.workspace.db_path) as conn:
        stored_at_reception = set(conn.execute(query))
    read = build_national_synthesis(national, tmp_path / "lu.xlsx", tmp_path / "lu.csv")
    with sqlite3.connect(national.workspace.db_path) as conn:  # as if received before this issue
        conn.execute("UPDATE contributions SET theme_main = NULL, taxonomy_digest = NULL")
    again = build_national_synthesis(national, tmp_path / "recalcul.xlsx", tmp_path / "recalcul.csv")
    assert again.csv.read_bytes() == read.csv.read_bytes() and again.themes == read.themes
    with sqlite3.connect(national.workspace.db_path) as conn:  # worked out again: stored, once
        assert set(conn.execute(query)) == stored_at_reception
    with sqlite3.connect(national.workspace.db_path) as conn:  # stored themes, whatever they say
        conn.execute(
            "UPDATE contributions SET theme_main = 'agriculture', theme_secondary = '[]', theme_score = 1, "
            "taxonomy_digest = ?",
            [load().digest],
        )
    assert build_national_synthesis(national, tmp_path / "a.xlsx", tmp_path / "a.csv").themes == {
        "agriculture": 13
    }
    other = tmp_path / "autre.toml"
    other.write_text(DEFAULT.read_text(encoding="utf-8") + "\n# une autre taxonomie\n", encoding="utf-8")
    mine = build_national_synthesis(national, tmp_path / "b.xlsx", tmp_path / "b.csv", taxonomy_path=other)
    assert mine.themes == read.themes
    with sqlite3.connect(national.workspace.db_path) as conn:  # another file's themes are not stored
        assert set(conn.execute("SELECT theme_main FROM contributions")) == {("agriculture",)}


def test_a_large_part_is_checked_and_classified_by_workers(france, monkeypatch, tmp_path):
    """Above a batch of lines, a part's lines are checked and classified by worker processes
    kept for the whole reception: the rows stored are the same as when this process does it,
    and a bad line in a later batch still refuses the whole part, naming the line."""
    from mairie_cli.services.national import lines

    national, ain, aisne = france
    national.trust("01", ain.key_file)
    national.trust("02", aisne.key_file)
    alone = tmp_path / "seule"
    shutil.copytree(national.workspace.root, alone)
    files = [*ain.export(), *aisne.export()]
    with National.open(alone) as here:
        receive(here, files)
    monkeypatch.setattr(lines, "BATCH", 2)  # batches sent while each part is read
    monkeypatch.setattr(lines, "PARALLEL_FROM", 3)
    receive(national, files)
    assert held(national) == held(here)
    query = "SELECT insee, uuid, text, theme_main, theme_secondary, theme_score, taxonomy_digest FROM contributions"
    with sqlite3.connect(national.workspace.db_path) as a, sqlite3.connect(alone / "national.db") as b:
        assert sorted(a.execute(query)) == sorted(b.execute(query))
    lines.start()
    assert lines.themes_of("La fermeture de la trésorerie et de la poste")[0] == "services_proximite"
    [bundle] = ain.export(full=True)

    def seventh_not_canonical(files):
        rows = files["data/contributions.jsonl"].decode().splitlines(keepends=True)
        rows[6] = rows[6].replace('{"', '{ "', 1)
        files["data/contributions.jsonl"] = "".join(rows).encode()
        return files

    before = held(national)
    [outcome] = receive(national, [forged(national, ain, bundle, tmp_path, seventh_not_canonical)]).outcomes
    assert outcome.status == Receipt.QUARANTINED and "ligne 7" in outcome.message, outcome.message
    assert held(national) == before


def test_a_report_before_any_bundle_says_so(tmp_path, cli_at):
    import subprocess

    national, _ = National.init(tmp_path / "federation")
    national.close()
    done = cli_at(tmp_path / "federation")(
        "national", "synthese", "--sortie", str(tmp_path / "v.xlsx"), "--rapport"
    )
    assert done.exit_code == 0, done.output
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "v.pdf"), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    assert "0 département(s) sur 101" in text and "Aucune contribution n'a encore été reçue" in text
