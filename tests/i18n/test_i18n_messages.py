"""Messages said in either language: templates, nested sentences, lists, redaction, and stores that keep them."""

from __future__ import annotations

import sqlite3

import pytest

from ohcheck.criteria import Result, Status, Summary, criterion, fail
from ohcheck.i18n import Catalogue, Msg, msg, untranslated
from ohcheck.redaction import Redactor
from ohcheck.runner import run_criteria
from ohcheck.store import ResultsStore

JA = Catalogue("ja", messages={
    "{model} version {version}: {problems}": "{model} バージョン {version}: {problems}",
    "no {key} tag": "{key} タグがない",
    "tag {key}={value} but the job logged {logged:.4g}": "タグ {key}={value} だがジョブの記録は {logged}",
    "plain sentence": "ただの文",
})


@criterion("09.1", "Verify the tags")
def _tags(ctx):
    problems = [msg("no {key} tag", key="rmse"), msg("tag {key}={value} but the job logged {logged:.4g}",
                                                        key="mae", value="1", logged=377.91234)]
    fail("{model} version {version}: {problems}", model="forecast", version=3, problems=problems)


def test_a_check_message_is_english_now_and_japanese_later():
    [result] = run_criteria([_tags], None)
    assert result.message == "forecast version 3: no rmse tag; tag mae=1 but the job logged 377.9"
    said = result.in_language(JA)
    assert said.message == "forecast バージョン 3: rmse タグがない。タグ mae=1 だがジョブの記録は 377.9"
    assert untranslated(JA, result.message_source) == []
    # A field named `key` is a piece of the sentence, not a secret: the English shows it, so does the source.
    assert "rmse" in str(result.message_source)


def test_untranslated_parts_fall_back_to_english_and_are_listed():
    message = msg("{model} version {version}: {problems}", model="m", version=1,
                  problems=[msg("a sentence nobody translated {x}", x=1)])
    assert JA.say(message) == "m バージョン 1: a sentence nobody translated 1"
    assert untranslated(JA, message) == ["a sentence nobody translated {x}"]
    assert JA.say(Msg("plain sentence")) == "ただの文"
    assert JA.say('text with {"braces": 1}') == 'text with {"braces": 1}'  # plain text is never formatted


def test_positional_fields_are_refused():
    with pytest.raises(ValueError, match="positional"):
        msg("{} things and {n}", n=3)


def test_secrets_in_fields_are_masked_like_the_sentence():
    @criterion("09.2", "Verify nothing leaks")
    def leaky(ctx):
        fail("the server said {body}", body="Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789")

    [result] = run_criteria([leaky], None, redactor=Redactor())
    assert "abcdefghijklmnop" not in result.message
    assert "abcdefghijklmnop" not in str(result.message_source)


def test_the_store_keeps_the_template_and_migrates_an_older_store(tmp_path):
    path = tmp_path / "results.db"
    [result] = run_criteria([_tags], None)
    with ResultsStore(path) as store:
        first = store.record("challenge-09", [result], Summary.of([result]), started_at="t", target="local", team="a")
    # Make it a schema-1 store again: no message_source column.
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE results DROP COLUMN message_source")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with ResultsStore(path) as store:  # migrated in place, nothing lost
        [old] = store.results(first)
        assert old.message == result.message and old.message_source is None
        second = store.record("challenge-09", [result], Summary.of([result]), started_at="t", target="local", team="a")
        [new] = store.results(second)
    assert new.message_source == result.message_source
    assert new.in_language(JA).message.startswith("forecast バージョン 3")
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_result_round_trips_through_a_dict():
    [result] = run_criteria([_tags], None)
    again = Result.from_dict(result.to_dict())
    assert again.message_source == result.message_source and again.status is Status.FAILED


def test_warnings_are_said_in_the_language_too():
    ja = Catalogue("ja", messages={"fires every {minutes} minutes": "{minutes} 分ごとに起動します"})

    @criterion("09.3", "Verify the schedule")
    def schedule(ctx):
        from ohcheck.criteria import passed

        return passed("ok", evidence={"warnings": [msg("fires every {minutes} minutes", minutes=10)]})

    [result] = run_criteria([schedule], None)
    assert result.evidence["warnings"] == ["fires every 10 minutes"]
    assert result.in_language(ja).evidence["warnings"] == ["10 分ごとに起動します"]
    assert untranslated(ja, result.message_source) == ["ok"]


def test_the_coach_store_keeps_where_an_attempt_came_from_as_a_message(tmp_path):
    from ohcheck.coach.store import CoachStore

    ja = Catalogue("ja", messages={"collected by {coach}": "{coach} が収集", "the repo {repo} cannot be read":
                                   "リポジトリ {repo} を読めません"})
    path = tmp_path / "coach.db"
    with CoachStore(path) as store:
        store.record(team="a", challenge="challenge-01", target="local", trust="coach",
                     source=msg("collected by {coach}", coach="Carol"), started_at="2026-12-01T10:00:00+00:00",
                     problem=msg("the repo {repo} cannot be read", repo="team-a"))
    # An older store (schema 2: no `said` column) is brought up to date in place.
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE attempts DROP COLUMN said")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with CoachStore(path) as store:
        [old] = store.attempts()
        assert (old.source, old.said) == ("collected by Carol", "")
        store.record(team="a", challenge="challenge-01", target="local", trust="coach",
                     source=msg("collected by {coach}", coach="Carol"), started_at="2026-12-01T11:00:00+00:00",
                     problem=msg("the repo {repo} cannot be read", repo="team-a"))
        [_, new] = store.attempts()
    assert new.source == "collected by Carol" and new.problem == "the repo team-a cannot be read"
    said = new.in_language(ja)
    assert (said.source, said.problem) == ("Carol が収集", "リポジトリ team-a を読めません")
    assert old.in_language(ja).source == "collected by Carol"  # stored as text: said as it was
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 4  # brought up to this version


@pytest.mark.parametrize("n, english, japanese", [
    (0, "0 teams", "0 チーム"), (1, "1 team", "1 チーム"), (2, "2 teams", "2 チーム")])
def test_a_plural_message_keeps_the_template_of_its_english_form(n, english, japanese):
    from ohcheck.i18n import framework, msg_n

    said = msg_n("1 team", "{count} teams", n, count=n)
    # English picks its form by gettext's rule; the store keeps that form's template, as a plain msg() would.
    assert str(said) == english
    assert said.source() == (msg("1 team") if n == 1 else msg("{count} teams", count=n)).source()
    # Japanese has one form, keyed under each English one (the catalogue test collects both).
    assert framework("ja").say(said) == japanese
    assert framework("ja").say(Msg.from_source(said.source())) == japanese


@pytest.mark.parametrize("lang, said", [("en", ["0 attempts", "1 attempt", "2 attempts"]),
                                        ("ja", ["試行 0 回", "試行 1 回", "試行 2 回"])])
def test_an_html_plural_picks_the_english_form_and_escapes_its_fields(lang, said):
    from markupsafe import Markup

    from ohcheck import i18n
    from ohcheck.coach.report import element, t_html_n

    i18n.choose(lang)
    try:
        assert [str(t_html_n("1 attempt", "{count} attempts", n, count=n)) for n in (0, 1, 2)] == said
        team = t_html_n("1 team reported since: {teams}", "{count} teams reported since: {teams}", 1, count=1,
                        teams="<b>")
        marked = t_html_n("1 team reported since: {teams}", "{count} teams reported since: {teams}", 2, count=2,
                          teams=element("code", "<a>"))
    finally:
        i18n.choose(None)
    assert "&lt;b&gt;" in str(Markup.escape(team)) and "<b>" not in str(Markup.escape(team))
    assert isinstance(marked, Markup) and "<code>&lt;a&gt;</code>" in marked


def test_a_hints_code_spans_are_code_and_the_rest_is_escaped_text():
    from ohcheck.coach.report import _code_spans

    assert str(_code_spans("run `az ml job create -f <file>` & wait; *not* emphasis, a lone ` stays")) == (
        "run <code>az ml job create -f &lt;file&gt;</code> &amp; wait; *not* emphasis, a lone ` stays")
    assert str(_code_spans("'quotes' \"too\" and `a` `b`")) == "&#39;quotes&#39; &#34;too&#34; and <code>a</code> <code>b</code>"
