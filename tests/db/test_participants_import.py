"""CSV import against a real PostgreSQL: the issue's mix of good and bad rows."""

from __future__ import annotations

from datetime import date

import pytest
import trio

from p88.db.database import open_database
from p88.db.partners import create_partner
from p88.db.tenancy import tenant_transaction
from p88.participants import copyrows, store
from p88.participants.csvfile import CsvFileError, read_csv
from p88.participants.importer import import_participants, prepare_import
from p88.participants.mapping import detect_mapping, detect_style
from p88.participants.queries import (
    claim_upload,
    list_participants,
    participants_for_tags,
    save_upload,
)
from tests.conftest import make_config
from tests.unit.test_participants_reading import SWALLOWING

EVENT = "SPRING 10K"

# RunSignUp-style headers, comma separated, one UTF-8 name, extra columns to ignore.
MIXED = (
    "Registration ID,Bib,Chip,First Name,Last Name,Gender,Age,City,State,Team Name,"
    "Shirt Size,Email\n"
    "1,101,A101,Zoë,Åberg,F,34,Boston,MA,Harriers,M,z@example.org\n"  # line 2: good
    "2,,A102,No,Bib,M,40,Quincy,MA,,L,\n"  # line 3: missing bib
    "3,103,,Bob,Smith,M,51,Salem,MA,,L,\n"  # line 4: good, tag defaults to bib
    "4,101,A104,Dup,Licate,M,22,Lynn,MA,,S,\n"  # line 5: duplicate bib
    "5,105,A105,Old,Timer,M,two hundred,Lowell,MA,,XL,\n"  # line 6: bad age
    "6,106,A106,Pat,Lee,Q,30,Lowell,MA,,XL,\n"  # line 7: bad gender
).encode()
# line 8: a Windows-1252 byte inside an otherwise UTF-8 file
MIXED += b"7,107,A107,Ren" + b"\xe9" + b",Roy,F,29,Dover,NH,,S,\n"
MIXED += b"8,108,A108,Sam,Vale,M,45,Nashua,NH,,M,\n"  # line 9: good


async def _partner(db, slug="alpha"):
    async with db.pool.acquire() as conn:
        return await create_partner(conn, slug, slug.title())


async def _import(db, partner_id, data: bytes, event: str = EVENT):
    prepared = prepare_import(data, detect_mapping(read_csv(data).header))
    async with tenant_transaction(db.pool, partner_id) as conn:
        return await import_participants(conn, partner_id, event, prepared)


async def test_good_rows_in_every_bad_row_reported_with_its_line(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db:
        partner = await _partner(db)
        report = await _import(db, partner.id, MIXED)
        assert report.inserted == 3 and report.updated == 0
        reasons = {p.line: p.reason for p in report.bad}
        assert sorted(reasons) == [3, 5, 6, 7, 8]
        assert "no bib" in reasons[3]
        assert "already appears on line 2" in reasons[5]
        assert "age 'two hundred'" in reasons[6]
        assert "gender 'Q'" in reasons[7]
        assert "UTF-8" in reasons[8]
        assert report.ignored_columns == ["Registration ID", "Shirt Size", "Email"]
        async with tenant_transaction(db.pool, partner.id) as conn:
            stored = await list_participants(conn, partner.id, EVENT)
            by_tag = await participants_for_tags(conn, partner.id, EVENT, ["A101", "103", "X"])
        assert sorted(p.bib for p in stored) == ["101", "103", "108"]
        assert set(by_tag) == {"A101", "103"}
        zoe = by_tag["A101"]
        assert (zoe.first_name, zoe.last_name, zoe.gender, zoe.age) == ("Zoë", "Åberg", "F", 34)
        assert (zoe.city, zoe.state, zoe.team) == ("Boston", "MA", "Harriers")
        assert by_tag["103"].tag == "103"


async def test_reimport_updates_and_never_duplicates(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db:
        partner = await _partner(db)
        await _import(db, partner.id, MIXED)
        changed = (
            b"Bib,Chip,First Name,Last Name,Age\n"
            b"101,A101,Zoe,Aberg,35\n"  # update
            b"103,C103,Bob,Smith,51\n"  # new tag for a stored bib
            b"200,A200,New,Runner,20\n"  # insert
        )
        report = await _import(db, partner.id, changed)
        assert (report.inserted, report.updated, report.bad) == (1, 2, [])
        async with tenant_transaction(db.pool, partner.id) as conn:
            stored = {p.bib: p for p in await list_participants(conn, partner.id, EVENT)}
        assert sorted(stored) == ["101", "103", "108", "200"]
        assert (stored["101"].first_name, stored["101"].age) == ("Zoe", 35)
        assert stored["103"].tag == "C103"


async def test_tags_may_be_swapped_but_not_stolen(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db:
        partner = await _partner(db)
        await _import(db, partner.id, b"Bib,Tag\n1,T1\n2,T2\n3,T3\n")
        report = await _import(db, partner.id, b"Bib,Tag\n1,T2\n2,T1\n4,T3\n")
        assert (report.inserted, report.updated) == (0, 2)
        assert [(p.line, p.bib) for p in report.bad] == [(4, "4")]
        assert "already worn by bib 3" in report.bad[0].reason
        async with tenant_transaction(db.pool, partner.id) as conn:
            stored = {p.bib: p.tag for p in await list_participants(conn, partner.id, EVENT)}
        assert stored == {"1": "T2", "2": "T1", "3": "T3"}


async def test_windows_1252_semicolon_race_roster_file_is_read_with_a_warning(
    dsn, tmp_path
) -> None:
    data = (
        "Bib number;First name;Last name;Gender;Age;City;Province/State;Country;Team name\n"
        "7;Fran\u00e7ois;L\u00e9vesque;Male;41;Montr\u00e9al;QC;CAN;Club Azur\n"
    ).encode("cp1252")
    csv_file = read_csv(data)
    assert csv_file.delimiter == ";" and csv_file.encoding == "cp1252"
    assert detect_style(csv_file.header) == "Race Roster-style export"
    async with open_database(make_config(dsn, tmp_path)) as db:
        partner = await _partner(db)
        report = await _import(db, partner.id, data)
        assert report.inserted == 1 and report.bad == []
        assert "Windows-1252" in report.warnings[0]
        async with tenant_transaction(db.pool, partner.id) as conn:
            (p,) = await list_participants(conn, partner.id, EVENT)
        assert (p.first_name, p.last_name, p.gender) == ("François", "Lévesque", "M")
        assert (p.city, p.state, p.country, p.team) == ("Montréal", "QC", "CAN", "Club Azur")


async def test_participants_of_one_partner_are_invisible_to_another(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db:
        a = await _partner(db, "alpha")
        b = await _partner(db, "bravo")
        await _import(db, a.id, b"Bib\n1\n2\n")
        await _import(db, b.id, b"Bib\n1\n")
        async with tenant_transaction(db.pool, a.id) as conn:
            # Even asking for partner B's rows by id returns nothing under A's transaction.
            assert await participants_for_tags(conn, b.id, EVENT, ["1"]) == {}
            assert await conn.fetchval("SELECT count(*) FROM participants") == 2


def test_a_file_without_rows_or_header_is_refused_with_advice() -> None:
    with pytest.raises(CsvFileError, match="empty"):
        read_csv(b"  \n")


async def test_course_date_of_birth_division_and_wave_are_stored(dsn, tmp_path) -> None:
    data = (
        b"Bib,First Name,Course,DOB,Division,Start Wave\n"
        b"1,Ann,Half Marathon,12/25/1985,Masters,A\n"
        b"2,Bo,10K,1/2/2001,,B\n"
        b"3,Cy,10K,,Wheelchair,\n"
    )
    async with open_database(make_config(dsn, tmp_path)) as db:
        partner = await _partner(db)
        report = await _import(db, partner.id, data)
        assert (report.inserted, report.bad_count) == (3, 0)
        assert report.warnings == ["dates of birth read as month/day/year (line 2)"]
        async with tenant_transaction(db.pool, partner.id) as conn:
            stored = {p.bib: p for p in await list_participants(conn, partner.id, EVENT)}
            by_tag = await participants_for_tags(conn, partner.id, EVENT, ["1"])
        assert [
            (p.course, p.date_of_birth, p.division, p.wave) for _, p in sorted(stored.items())
        ] == [
            ("Half Marathon", date(1985, 12, 25), "Masters", "A"),
            ("10K", date(2001, 1, 2), "", "B"),
            ("10K", None, "Wheelchair", ""),
        ]
        assert by_tag["1"].date_of_birth == date(1985, 12, 25)


async def test_an_unclosed_quote_imports_every_other_runner_whole(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db:
        partner = await _partner(db)
        report = await _import(db, partner.id, SWALLOWING)
        assert (report.inserted, report.bad_count) == (8, 1)
        assert report.bad[0].line == 5 and "not closed until line 9" in report.bad[0].reason
        async with tenant_transaction(db.pool, partner.id) as conn:
            stored = {p.bib: p.name for p in await list_participants(conn, partner.id, EVENT)}
        assert stored == {
            "2": "Ann Lee", "3": "Bo Ray", "4": "Cy Ho", "6": "Eve Ng", "7": "Finn Oh",
            "8": "Gus Pi", "9": "Hal Qu", "10": "Ida Ro",
        }  # fmt: skip


async def test_rows_split_over_reads_statements_and_upserts_are_stored_whole(
    dsn, tmp_path, monkeypatch
) -> None:
    # Small chunks, so that 250 rows cross every boundary a million rows cross at full size.
    monkeypatch.setattr(copyrows, "COPY_ROWS", 7)
    monkeypatch.setattr(store, "COPY_STATEMENT_CHUNKS", 5)
    monkeypatch.setattr(store, "UPSERT_ROWS", 33)
    rows = 250
    data = b"Bib,Chip,Last Name,Age,DOB\n" + b"".join(
        b"%d,T%d,Runner %d,%d,1990-01-%02d\n" % (n, n, n, n % 90, n % 28 + 1) for n in range(rows)
    )
    async with open_database(make_config(dsn, tmp_path)) as db:
        partner = await _partner(db)
        report = await _import(db, partner.id, data)
        assert (report.inserted, report.updated, report.bad_count) == (rows, 0, 0)
        again = await _import(db, partner.id, data.replace(b",Runner ", b",Again "))
        assert (again.inserted, again.updated) == (0, rows)
        async with tenant_transaction(db.pool, partner.id) as conn:
            stored = await conn.fetch(
                "SELECT bib, tag, last_name, age, date_of_birth FROM participants ORDER BY id"
            )
        assert [tuple(r) for r in stored] == [
            (str(n), f"T{n}", f"Again {n}", n % 90, date(1990, 1, n % 28 + 1)) for n in range(rows)
        ]


async def test_text_with_quotes_commas_and_line_breaks_is_stored_as_read(dsn, tmp_path) -> None:
    data = b'Bib,First Name,Message\n1,"O\'Brien, ""Jr""","Go,\nAnn \\N"\n2,,\n'
    async with open_database(make_config(dsn, tmp_path)) as db:
        partner = await _partner(db)
        assert (await _import(db, partner.id, data)).inserted == 2
        async with tenant_transaction(db.pool, partner.id) as conn:
            stored = await conn.fetch(
                "SELECT first_name, message, gender, age, date_of_birth FROM participants "
                "ORDER BY bib"
            )
        assert [tuple(r) for r in stored] == [
            ('O\'Brien, "Jr"', "Go,\nAnn \\N", None, None, None),
            ("", "", None, None, None),
        ]


async def test_an_upload_is_claimed_by_one_import_only(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db:
        partner = await _partner(db)
        async with tenant_transaction(db.pool, partner.id) as conn:
            upload = await save_upload(conn, partner.id, EVENT, "a.csv", b"Bib\n1\n", "{}")
        claims: list[bool] = []
        first_claimed = trio.Event()

        async def first() -> None:
            async with tenant_transaction(db.pool, partner.id) as conn:
                claims.append(await claim_upload(conn, partner.id, upload))
                first_claimed.set()
                await trio.sleep(0.3)  # still importing when the second click arrives

        async def second() -> None:
            await first_claimed.wait()
            async with tenant_transaction(db.pool, partner.id) as conn:
                claims.append(await claim_upload(conn, partner.id, upload))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(first)
            nursery.start_soon(second)
        assert claims == [True, False]
