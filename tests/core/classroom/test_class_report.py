"""The class, kept: the teacher's offline HTML report of a class (core.classroom.class_report, with
its texts from ui.classroom.report_download). A class on a temporary runs folder: one student's run
published and measured for real, others' records written as the publisher writes them, a
challenge closed; then who may have the report, what it holds, and what it must never hold."""

from __future__ import annotations

import html
import json
import re
import time
from html.parser import HTMLParser

import pytest
from streamlit.testing.v1 import AppTest

from core import files
from core.classroom import challenges, classes, publisher
from core.classroom.class_report import class_report
from core.classroom.members import join
from core.classroom.teachers import create_class
from core.models import MODELS
from core.params import defaults
from core.runs import store
from tests.conftest import ROOT
from tests.fakes import FakeJob, refused
from ui.classroom.report_download import file_name, report_texts

SCRIPT = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"
OWNERS = {"Ana": "owner-secret-of-ana", "Bia": "owner-secret-of-bia", "Caio": "owner-of-caio"}
LABELS = ("variant_", "lesson_", "claim_", "status_", "param_", "choice_", "noise_", "dataset_")


class Tables(HTMLParser):
    """The page's tables as lists of rows of cell texts (entities decoded), and its text."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


def _record(
    base: dict,
    run_id: str,
    nickname: str,
    error: float,
    holds: bool | None,
    code_dim: int = 32,
    status: str = "done",
    started: float = 0.0,
) -> dict:
    """A record as the publisher writes it, from a real one: another student's run."""
    record = {k: v for k, v in base.items() if k != "preview_png"}
    record.update(
        run_id=run_id,
        nickname=nickname,
        variant="standard",
        status=status,
        started=started,
        code_size=code_dim,
        test_error=error,
        val_error=error + 1,
        final=status == "done",
        epoch=5,
        epochs=5,
        train_config={**base["train_config"], "epochs": 5},
        hyperparameters={**defaults(MODELS["standard"].Config), "code_dim": code_dim},
        metrics={**(base.get("metrics") or {}), "sse_per_image": error},
        verdict=None if holds is None else {"lesson": "standard", "holds": holds, "reasons": []},
        curve={
            "steps": [1, 2, 3],
            "loss": [90.0, 70.0, error * 3],
            "val_error": [error + 2, error + 1],
        },
    )
    return record


@pytest.fixture
def room(small_digits):
    """A class: Ana's sparse run trained and measured by the publisher; Bia's two standard
    runs, a hostile nickname's run and a formula nickname's unfinished run written beside it;
    Caio joined and trained nothing; a test-error challenge on standard runs, closed."""
    teacher = create_class()
    for name, owner in OWNERS.items():
        join(teacher.code, name, owner=owner)
    job = FakeJob("sparse", code_dim=16, l1_weight=0.0)
    publisher.publish(teacher.code, "Ana", "runid-ana-1", job, dataset=small_digits)
    job.finish(small_digits)
    assert publisher.flush(timeout=180)
    (real,) = classes.records(teacher.code)
    runs = classes.folder_of(teacher.code) / "runs"
    now = time.time()
    for index, record in enumerate(
        (
            _record(real, "runid-bia-1", "Bia", 12.5, True, started=now + 1),
            _record(real, "runid-bia-2", "Bia", 10.25, False, code_dim=64, started=now + 2),
            _record(real, "runid-evil-1", SCRIPT, 20.75, True, started=now + 3),
            _record(real, "runid-evil-2", FORMULA, 15.5, None, status="running", started=now + 4),
        )
    ):
        files.write_json(runs / f"{record['run_id']}.json", record)
        if index % 2 == 0:
            (runs / f"{record['run_id']}.png").write_bytes(real["preview_png"])
    challenge = challenges.new_challenge("test_error", variants=["standard"], max_code=64)
    challenge["dataset"] = "digits"  # ranked on the runs' data set (the default is MNIST)
    challenges.set_challenge(teacher.code, teacher.key, challenge)
    closed = challenges.close_challenge(teacher.code, teacher.key)
    assert closed["winners"] == ["runid-bia-2", "runid-bia-1", "runid-evil-1"]
    return teacher, real


def test_only_the_teacher_gets_the_report(room):
    teacher, _ = room
    other = create_class()
    for key in (None, "", "wrong", teacher.key[:-1], other.key):
        refused("class_not_teacher", class_report, teacher.code, key, report_texts("en"), "en")
    refused("class_unknown", class_report, "ZZZZZZ", teacher.key, report_texts("en"), "en")
    assert class_report(teacher.code.lower(), teacher.key, report_texts("en"), "en")


def test_the_report_holds_the_board_the_challenge_the_verdicts_and_each_student(room):
    teacher, real = room
    page = class_report(teacher.code, teacher.key, report_texts("en"), "en")
    parsed = Tables(page)
    board, leaderboard, winners, verdicts, *students = parsed.tables
    assert board[0][0] == "Student" and len(board) == 1 + 5
    assert [row[0] for row in board[1:]] == ["Ana", "Bia", "Bia", SCRIPT, FORMULA]
    assert board[3][3] == "Code size: 64" and board[2][3] == "none (the defaults)"
    assert board[2][2] == "Digits"
    assert board[2][6:8] == ["13.5", "12.5"]  # validation, then test error
    assert page.count('<img src="data:image/png;base64,') == 3  # the previews written
    # the leaderboard: Bia's 10.25, then 12.5, then the script's 20.75; the formula waits;
    # Ana's sparse run breaks the "standard only" constraint
    assert [row[:4] for row in leaderboard[1:4]] == [
        ["1", "Bia", "Standard", "10.25"],
        ["2", "Bia", "Standard", "12.5"],
        ["3", SCRIPT, "Standard", "20.75"],
    ]
    assert leaderboard[4][1] == FORMULA
    assert leaderboard[4][4] == "waiting for the end of training"
    assert leaderboard[5][1] == "Ana"
    assert "variant Sparse is not among Standard" in leaderboard[5][4]
    # the winners' settings beside the defaults, and their curves
    assert winners[0] == ["Setting", "1. Bia", "2. Bia", f"3. {SCRIPT}", "Default"]
    assert ["Code size", "64", "32", "32", "32"] in winners
    assert "<strong>64</strong>" in page
    assert "Training loss of the winning runs" in page and page.count("<svg") == 2
    # the lessons' verdicts: three standard runs measured, two agreed
    assert verdicts[0][:3] == ["Lesson", "Claim", "Runs measured"]
    rows = {row[0]: row[2:] for row in verdicts[1:]}
    assert rows["The standard autoencoder"] == ["3", "2", "1"]
    if real.get("verdict"):  # the real sparse run, measured beside the zoo's runs
        holds = real["verdict"]["holds"]
        assert rows["Sparse codes"] == ["1", str(int(holds)), str(int(not holds))]
    # each student's runs, grouped by student (Caio joined and trained nothing)
    text = "".join(parsed.text)
    for name in ("Ana", "Bia", "Caio", SCRIPT, FORMULA):
        assert f"{name}Runs: " in text
    assert "CaioRuns: 0" in text and "BiaRuns: 2" in text
    assert len(students) == 4  # Caio has no table
    bia = next(table for table in students if len(table) == 3)
    assert [row[-2:] for row in bia[1:]] == [
        ["The standard autoencoder: agrees with the claim", "2"],
        ["The standard autoencoder: does not agree with the claim", "1"],
    ]


def test_nicknames_cannot_inject_and_nothing_private_or_remote_is_in_the_report(room):
    teacher, _ = room
    page = class_report(teacher.code, teacher.key, report_texts("en"), "en")
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert FORMULA not in page and "=cmd|&#x27; /C calc&#x27;!A0" in page
    assert not re.search(r"<\s*(script|link|iframe|object|embed|base)\b", page, re.I)
    assert not re.search(r"\bon\w+\s*=", page, re.I)  # no event handler attributes
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}
    assert "url(" not in page
    assert all(
        src.startswith("data:image/png;base64,") for src in re.findall(r'src="([^"]*)"', page)
    )
    for secret in (
        *OWNERS.values(),
        teacher.key,
        "runid-",
        ".classes",
        str(store.runs_dir()),
        str(ROOT),
        "/tmp",
        "key_hash",
    ):
        assert secret not in page, secret


def test_the_portuguese_report_writes_numbers_and_dates_the_portuguese_way(room):
    teacher, _ = room
    page = class_report(teacher.code, teacher.key, report_texts("pt"), "pt")
    created = classes.info(teacher.code)["created"]
    assert time.strftime("%d/%m/%Y", time.localtime(created)) in page
    assert re.search(r"Turma iniciada em \d{2}/\d{2}/\d{4}", page)
    leaderboard = Tables(page).tables[1]
    assert [row[3] for row in leaderboard[1:4]] == ["10,25", "12,5", "20,75"]
    assert '<html lang="pt-BR">' in page and "O quadro" in page and "Alunos: 5" in page
    assert "Valor inicial" in page and "a afirmação se confirma" in page
    english = class_report(teacher.code, teacher.key, report_texts("en"), "en")
    assert time.strftime("%Y-%m-%d", time.localtime(created)) in english
    assert re.match(
        rf"class-{teacher.code}-report-\d{{4}}-\d{{2}}-\d{{2}}\.html$",
        file_name(teacher.code.lower()),
    )


class Asked(dict):
    """The texts, remembering every key the report looked up."""

    def __init__(self, *args):
        super().__init__(*args)
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)


def test_every_text_the_report_asks_for_is_in_both_catalogs(room):
    teacher, _ = room
    english = json.loads((ROOT / "ui/i18n/en/classreport.json").read_text(encoding="utf-8"))
    portuguese = json.loads((ROOT / "ui/i18n/pt/classreport.json").read_text(encoding="utf-8"))
    assert set(english) == set(portuguese)
    for language in ("en", "pt"):
        texts = Asked(report_texts(language))
        class_report(teacher.code, teacher.key, texts, language)
        own = {key for key in texts.asked if not key.startswith(LABELS)}
        assert own <= set(english), sorted(own - set(english))
        assert not texts.asked - set(texts), sorted(texts.asked - set(texts))


def test_an_empty_class_has_a_short_report():
    teacher = create_class()
    page = class_report(teacher.code, teacher.key, report_texts("en"), "en")
    assert "No run on the board." in page and "No run was measured against a lesson." in page
    assert "Leaderboard" not in page and "<svg" not in page


def _download_page(code: str, key: str | None) -> None:
    from ui.classroom.report_download import report_download

    report_download(code, key)


def test_the_teacher_gets_a_download_button_and_a_student_none():
    teacher = create_class()
    buttons = {}
    for who, key in (("teacher", teacher.key), ("student", None)):
        at = AppTest.from_function(
            _download_page, args=(teacher.code, key), default_timeout=60
        ).run()
        assert not at.exception, at.exception
        buttons[who] = at.get("download_button")
    assert len(buttons["teacher"]) == 1 and not buttons["student"]
    assert buttons["teacher"][0].label == "Download the class's report (HTML)"
    assert buttons["teacher"][0].proto.deferred_file_id  # written when pressed, not each run


def test_the_report_counts_the_class_s_drawings_with_a_few_of_each_digit():
    from core.classroom import drawings
    from tests.fakes import drawn_digit

    teacher = create_class()
    join(teacher.code, "Ana", owner="owner-of-ana")
    join(teacher.code, "Bia", owner="owner-of-bia")
    for owner, label in (("owner-of-ana", 7), ("owner-of-ana", 7), ("owner-of-bia", 0)):
        drawings.add(teacher.code, owner, label, drawn_digit())
    for language, heading in (("en", "The class's drawings"), ("pt", "Os desenhos da turma")):
        texts = Asked(report_texts(language))
        page = class_report(teacher.code, teacher.key, texts, language)
        assert not {k for k in texts.asked if not k.startswith(LABELS)} - set(texts)
        assert f"<h2>{html.escape(heading)}</h2>" in page
        (table,) = Tables(page).tables
        assert [row[:2] for row in table[1:]] == [
            [str(d), str(n)] for d, n in enumerate([1, 0, 0, 0, 0, 0, 0, 2, 0, 0])
        ]
        assert page.count('<img src="data:image/png;base64,') == 2  # the 0s and the 7s
        assert "owner-of" not in page
    assert "3 drawings by 2 students" in class_report(
        teacher.code, teacher.key, report_texts("en"), "en"
    )
    assert "The 2 newest drawings of the digit 7" in class_report(
        teacher.code, teacher.key, report_texts("en"), "en"
    )
