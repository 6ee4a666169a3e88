"""Round trips with generated data: what goes in comes back out unchanged."""

import csv
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mairie_cli.dates import format_fr, parse_date
from mairie_cli.models import Nature, NewContribution
from mairie_cli.services.commune.importer import import_file
from mairie_cli.services.commune.register import Register
from mairie_cli.textnorm import clean_text, fold

TODAY = date(2026, 11, 26)
dates = st.dates(min_value=date(2000, 1, 1), max_value=TODAY)
# Citizen text: any printable characters, several lines, accents, quotes, separators.
texts = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
        min_size=1,
        max_size=200,
    )
    .map(clean_text)
    .filter(bool)
)
entries = st.builds(
    NewContribution,
    text=texts,
    nature=st.sampled_from(list(Nature)),
    written_on=st.one_of(st.none(), dates),
    author=st.one_of(st.none(), st.text(min_size=1, max_size=30).map(clean_text).filter(bool)),
    page_number=st.one_of(st.none(), st.integers(1, 9999)),
)
settings_io = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@given(value=dates)
def test_date_shown_then_typed_back(value):
    assert parse_date(format_fr(value), today=TODAY) == value


@settings_io
@given(batch=st.lists(entries, min_size=1, max_size=8))
def test_entries_come_back_from_the_database(tmp_path_factory, batch):
    folder = tmp_path_factory.mktemp("w")
    register, _ = Register.init(folder, "01001")
    with register:
        register.open_cahier("Cahier")
        for entry in batch:
            register.add(entry)
        stored = list(register.contributions())
    assert [(c.text, c.nature, c.written_on, c.author, c.page_number) for c in stored] == [
        (e.text, e.nature, e.written_on.isoformat() if e.written_on else None, e.author, e.page_number)
        for e in batch
    ]


words = st.text(alphabet="abcdeéèêfghiîjklmnoôpqrstuùûvwxyzç", min_size=3, max_size=12)


@settings_io
@given(word=words, others=st.lists(words, max_size=5))
def test_any_word_is_found_without_its_accents(tmp_path_factory, word, others):
    folder = tmp_path_factory.mktemp("w")
    register, _ = Register.init(folder, "01001")
    with register:
        register.open_cahier("Cahier")
        register.add(NewContribution(text=" ".join([*others, word.upper(), *others])))
        assert register.search(fold(word)).total == 1


cp1252_texts = (
    st.text(
        alphabet=st.characters(codec="cp1252", blacklist_categories=("Cc", "Cs")), min_size=1, max_size=120
    )
    .map(clean_text)
    .filter(bool)
)


@settings_io
@given(
    rows=st.lists(
        st.tuples(st.one_of(st.none(), dates), st.sampled_from(list(Nature)), cp1252_texts),
        min_size=1,
        max_size=10,
    ),
    delimiter=st.sampled_from([";", ","]),
    encoding=st.sampled_from(["cp1252", "utf-8-sig", "utf-8"]),
)
def test_csv_from_a_french_spreadsheet_round_trips(tmp_path_factory, rows, delimiter, encoding):
    folder = tmp_path_factory.mktemp("w")
    path = Path(folder) / "saisie.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(["Date", "Nature", "Texte"])
        for day, nature, text in rows:
            writer.writerow([format_fr(day), nature.label, text])
    register, _ = Register.init(folder / "w", "01001")
    with register:
        register.open_cahier("Cahier")
        report = import_file(register, path)
        assert report.imported == len(rows)
        stored = [(c.written_on, c.nature, c.text) for c in register.contributions()]
        assert import_file(register, path).imported == 0
    assert stored == [(d.isoformat() if d else None, n, t) for d, n, t in rows]


@settings_io
@given(batch=st.lists(entries, min_size=1, max_size=6), deletions=st.sets(st.integers(0, 5), max_size=3))
def test_entries_travel_unchanged_in_a_bundle(tmp_path_factory, batch, deletions):
    """entry -> database -> signed bundle -> records read back: same content (personal data
    masked), same state."""
    import json
    import zipfile

    from mairie_cli.bundle.records import StateSummary
    from mairie_cli.bundle.verify import verify_file
    from mairie_cli.privacy.detect import Detector
    from mairie_cli.services.commune.export import export_bundle
    from mairie_cli.services.commune.keys import CommuneKeys

    folder = tmp_path_factory.mktemp("w")
    register, _ = Register.init(folder, "01001")
    with register:
        register.open_cahier("Cahier")
        saved = [register.add(entry) for entry in batch]
        for index in deletions:
            if index < len(saved):
                register.delete(saved[index].uuid)
        result = export_bundle(register, encrypt=False, full=True)
        public = CommuneKeys.of(register.workspace).public_key()
        current = {c.uuid: c for c in register.contributions(include_deleted=True)}
    verified = verify_file(result.files[0].path, public_key=public)
    assert verified.contributions + verified.tombstones == len(batch)
    with zipfile.ZipFile(result.files[0].path) as archive:
        [name] = [n for n in archive.namelist() if n.endswith("data/contributions.jsonl")]
        records = [json.loads(line) for line in archive.read(name).decode("utf-8").splitlines()]
        state = json.loads(archive.read(name.replace("contributions.jsonl", "etat.json")))
    for record in records:
        original = current[record["uuid"]]
        assert record["version"] == original.version
        if original.deleted:
            assert record["text"] is None and record["author"] is None
        else:
            # The text leaves with personal data masked, and only that changed.
            assert (record["text"], record["nature"], record["date"]) == (
                Detector().mask(original.text)[0],
                original.nature.value,
                original.written_on,
            )
            assert (record["author"] is None) == (original.author is None)
            if original.author is not None:  # never in clear: a pseudonym
                assert record["author"].startswith("Auteur-") and record["author"] != original.author
    assert StateSummary.of(sorted(records, key=lambda r: r["uuid"])).to_dict() == state
