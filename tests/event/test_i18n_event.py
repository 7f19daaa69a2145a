"""The Japanese edition of the facilitator's commands and of the targets' sentences.

An event with `language: ja` gets Japanese kits (ohcheck.yaml says `language: ja`,
the starter's README.ja.md is the kit's README.md) and a Japanese summary page;
validate, setup and preflight speak Japanese; a criterion the local target skips
says why in Japanese, while its English stays as it was (the store keeps both).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from ohcheck import i18n
from ohcheck.config import load_config

from ..checks_helpers import verify_json
from ..fake_session import pointed_fake

SUB = "11111111-2222-3333-4444-555555555555"
FAKE_SUB = "00000000-0000-0000-0000-000000000001"  # the fake Azure ML server's subscription


def event_yaml(folder: Path, *, language: str = "ja", subscription: str = SUB, prefix: str = "cso",
               region: str = "japaneast") -> Path:
    path = folder / "event.yaml"
    path.write_text(textwrap.dedent(f"""\
        event: {{name: Contoso MLOps, starts: 2026-12-01, ends: 2026-12-03, language: {language}}}
        azure:
          subscriptions: [{subscription}]
          region: {region}
          prefix: {prefix}
          cluster_max_nodes: 1
        teams:
          - name: team1
            members: [{{name: Alice, user: alice@contoso.com}}, Bob]
          - name: team2
            members: [{{name: Carlos, user: carlos@contoso.com}}]
        coaches:
          - {{name: Erin, user: erin@contoso.com, teams: [team1]}}
        """), encoding="utf-8")
    return path


def one_line(text: str) -> str:
    return " ".join(text.split())


# -- setup: what the kits hold follows the event's language ------------------------------------------


def test_a_japanese_event_gets_japanese_kits_and_a_japanese_summary(cli, tmp_path):
    event_yaml(tmp_path)
    result = cli("event", "setup", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    kit = tmp_path / "teams" / "team1"

    config = load_config(kit / "ohcheck.yaml")
    assert config.language == "ja" and config.team == "team1"
    assert "language: ja" in (kit / "ohcheck.yaml").read_text(encoding="utf-8")
    readme = (kit / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# チームの OpenHack for MLOps リポジトリ")
    assert not (kit / "README.ja.md").exists()  # the twin stands in for README.md, it is not copied beside it

    summary = (tmp_path / "event-summary.md").read_text(encoding="utf-8")
    assert "## チーム" in summary and "## コーチ" in summary and "## デプロイの手順" in summary
    assert "| team1 | Alice、Bob |" in summary and "`mlw-cso-team1`" in summary
    assert "## Teams" not in summary

    # The command speaks the event's language too (nothing chose another).
    out = one_line(result.output)
    assert "Contoso MLOps のセットアップ" in out and "チーム キット teams/team1" in out
    assert "次は `ohcheck event preflight`" in out


def test_an_english_facilitator_of_a_japanese_event_reads_english_and_the_kits_stay_japanese(cli, tmp_path):
    event_yaml(tmp_path)
    result = cli("event", "setup", "--lang", "en", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Setup for Contoso MLOps" in result.output and "team kit" in result.output
    assert load_config(tmp_path / "teams" / "team1" / "ohcheck.yaml").language == "ja"
    assert "## チーム" in (tmp_path / "event-summary.md").read_text(encoding="utf-8")


def test_an_english_event_keeps_english_kits(cli, tmp_path):
    event_yaml(tmp_path, language="en")
    assert cli("event", "setup", cwd=tmp_path).exit_code == 0
    kit = tmp_path / "teams" / "team1"
    assert load_config(kit / "ohcheck.yaml").language in (None, "en")
    assert "チーム" not in (kit / "README.md").read_text(encoding="utf-8")
    assert "## Teams" in (tmp_path / "event-summary.md").read_text(encoding="utf-8")


# -- validate ----------------------------------------------------------------------------------------


def test_validate_speaks_japanese(cli, tmp_path):
    event_yaml(tmp_path)
    result = cli("event", "validate", cwd=tmp_path, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = one_line(result.output)
    assert "チームごとの Azure の名前" in out
    assert "は有効です（2 チーム、コーチ 1 人）" in out
    assert "team2 を担当するコーチがいません。" in out  # a note, in Japanese
    assert "Bob には user がないため" in out


def test_validate_says_a_name_problem_in_japanese_and_its_json_follows(cli, tmp_path):
    path = event_yaml(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("name: team2", "name: a-rather-long-team-name"),
                    encoding="utf-8")  # its compute instance name, ci-cso-a-rather-long-team-name, is too long
    result = cli("event", "validate", cwd=tmp_path, env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    out = one_line(result.output)
    assert ("エラー: チーム a-rather-long-team-name: コンピューティング インスタンスの名前 'ci-cso-a-rather-long-team-name' "
            "は 30 文字で、Azure で使える 24 文字を 6 文字超えています。イベントのプレフィックスかチームの名前を短くしてください。") in out
    assert "setup の前に直す問題が" in out

    document = json.loads(cli("event", "validate", "--json", cwd=tmp_path).stdout)
    assert document["lang"] == "ja" and document["ok"] is False
    assert any("イベントのプレフィックスかチームの名前を短くしてください" in p for p in document["problems"])
    english = json.loads(cli("event", "validate", "--json", "--lang", "en", cwd=tmp_path).stdout)
    assert english["lang"] == "en"
    assert ("Team a-rather-long-team-name: the compute instance name 'ci-cso-a-rather-long-team-name' is 30 characters, "
            "6 more than the 24 Azure allows: shorten the event's prefix or the team's name.") in english["problems"]


def test_an_event_file_error_is_one_japanese_sentence(cli, tmp_path):
    path = event_yaml(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + "  - {name: Frank, teams: [team9]}\n", encoding="utf-8")
    result = cli("event", "validate", cwd=tmp_path, env={"OHCHECK_LANG": "ja"})
    assert result.exit_code == 2, result.output
    out = one_line(result.output)
    assert "エラー:" in out and "コーチ Frank の担当 team9 は、イベントのチームではありません。" in out
    assert "Traceback" not in result.output


# -- preflight, against the fake Azure ML server --------------------------------------------------------


def test_preflight_speaks_japanese_and_its_json_keeps_stable_names(cli, fake, tmp_path):
    folder = tmp_path / "event"
    folder.mkdir()
    event_yaml(folder, subscription=FAKE_SUB, prefix="ohml", region="eastus")
    result = cli("event", "preflight", cwd=folder, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    out = one_line(result.output)
    for text in ("サブスクリプション " + FAKE_SUB + "、リージョン eastus", "資格情報", "リソース プロバイダー",
                 "6 個すべて登録済み", "student@contoso.com としてサインインしています", "vCPU クォータ",
                 "eastus で 2 個が空いています", "準備完了:", "のすべての確認に合格しました。"):
        assert text in out, text
    assert "Ready" not in out and "signed in as" not in out
    assert fake.token not in result.output

    document = json.loads(cli("event", "preflight", "--json", cwd=folder).stdout)
    assert document["lang"] == "ja"
    checks = {c["check"]: c for g in document["groups"] for c in g["checks"]}
    assert checks["Credential"]["status"] == "ok"  # the check's name and status are stable
    assert checks["Credential"]["found"].startswith("student@contoso.com としてサインインしています")


def test_preflight_says_a_missing_credential_in_japanese(cli, fake, tmp_path, monkeypatch):
    from azure.identity import CredentialUnavailableError

    import ohcheck.azure.identity as azure_identity

    class NoCredential:
        def get_token(self, *scopes, **kwargs):
            raise CredentialUnavailableError("no credential")

    monkeypatch.setattr(azure_identity, "default_credential", lambda: NoCredential())
    folder = tmp_path / "event"
    folder.mkdir()
    event_yaml(folder, subscription=FAKE_SUB, prefix="ohml", region="eastus")
    result = cli("event", "preflight", cwd=folder, env={"COLUMNS": "250"})
    assert result.exit_code == 3, result.output
    out = one_line(result.output)
    assert "Azure の資格情報が見つかりません。" in out
    assert "未確認: 資格情報の確認が通りませんでした" in out
    assert "判定できません:" in out


# -- a target's sentence, said in the reader's language -------------------------------------------------


def test_a_local_target_skip_reason_is_said_in_japanese_and_stored_with_its_template(cli, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    assert cli("start", "00", "--dir", repo).exit_code == 0
    assert cli("init", "--team", "t", cwd=repo).exit_code == 0

    result = cli("verify", "00", "--json", "--lang", "ja", cwd=repo)
    assert result.exit_code in (0, 1), result.output
    said = {r["criterion"]: r for r in json.loads(result.stdout)["results"]}
    assert said["00.1"]["status"] == "skipped"
    assert said["00.1"]["message"].startswith("local ターゲットには Azure ML ワークスペースがありません")
    assert "MLflow ストア" in said["00.1"]["message"]
    assert said["00.2"]["message"].startswith("コンピューティング インスタンスとコンピューティング クラスターは")
    assert said["00.7"]["message"].startswith("local ターゲットでは資格情報は不要です")

    _, english = verify_json(cli, repo, "00")  # the same stored result, in English
    assert english["00.1"]["message"].startswith("there is no Azure ML workspace on the local target")


def test_the_table_says_the_skip_reason_in_japanese(cli, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    assert cli("start", "00", "--dir", repo).exit_code == 0
    assert cli("init", "--team", "t", cwd=repo).exit_code == 0
    result = cli("verify", "00", cwd=repo, env={"OHCHECK_LANG": "ja", "COLUMNS": "250"})
    assert result.exit_code in (0, 1), result.output
    assert "コンピューティング インスタンスとコンピューティング クラスターは Azure ML ワークスペースにしかありません" in one_line(
        result.output)


# -- sentences built from parts say every part in the language ---------------------------------------


def test_an_azure_failure_is_said_whole_in_japanese():
    from azure.core.exceptions import HttpResponseError

    from ohcheck.azure.failures import classify, sentence
    from ohcheck.i18n import msg

    class Response:
        status_code, reason, headers, text = 503, "Service Unavailable", {}, lambda self: ""

    error = HttpResponseError(message="busy", response=Response())
    said = sentence(classify(error), msg("while it {what}", what=msg("listed the computes")))
    assert str(said) == "Azure ML answered 503 while it listed the computes: try again later"
    assert i18n.framework("ja").say(said) == (
        "コンピューティングの一覧取得中に、Azure ML が 503 を返しました。しばらくしてからもう一度実行してください")


def test_a_name_problem_is_one_japanese_sentence():
    from ohcheck.event.model import Event
    from ohcheck.event.names import name_problems

    event = Event.model_validate({
        "event": {"name": "e", "starts": "2026-12-01", "ends": "2026-12-02"},
        "azure": {"subscriptions": [SUB], "region": "eastus", "prefix": "abcdefghijkl"},
        "teams": [{"name": "a-rather-long-team-name"}],
    })
    problems = [p.sentence() for p in name_problems(event)]
    assert problems, "the long names should break Azure's length rules"
    japanese = i18n.framework("ja").say(problems[0])
    assert japanese.startswith("チーム a-rather-long-team-name: ") and "文字で、Azure で使える" in japanese
    assert "characters" not in japanese


# -- teardown ----------------------------------------------------------------------------------------


@pytest.fixture
def seeded(tmp_path, monkeypatch):
    """The fake serving team1's workspace under the names setup derives: an endpoint, a cluster, a schedule."""
    from ohcheck.event.model import load_event
    from ohcheck.event.names import team_names

    from ..fake_azureml import WorkspaceState

    folder = tmp_path / "event"
    folder.mkdir()
    path = event_yaml(folder, subscription=FAKE_SUB, prefix="ohml", region="eastus")
    event = load_event(path).event
    names = team_names(event, event.teams[0])
    with pointed_fake(tmp_path, monkeypatch) as server:
        ws = WorkspaceState(subscription_id=names.subscription_id, resource_group=names.resource_group,
                            name=names.workspace, location="eastus")
        server.workspace = ws
        ws.add_online_endpoint(names.endpoint, traffic={"blue": 100})
        ws.add_online_deployment(names.endpoint, "blue", instance_type="Standard_DS3_v2", instance_count=2)
        ws.add_compute_cluster(names.compute_cluster, min_instances=1, max_instances=2)
        ws.add_schedule("nightly-retrain", cron="0 2 * * *", enabled=True)
        yield folder


def test_teardown_speaks_japanese(cli, seeded):
    result = cli("event", "teardown", "--team", "team1", cwd=seeded, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    out = one_line(result.output)
    for text in ("まだ費用がかかっているもの", "オンライン エンドポイント", "1 つのデプロイで課金されます",
                 "2 × Standard_DS3_v2（vCPU 8 個）、1 時間ごとに課金されます",
                 "アイドル時も 1 ノードを起動したままにします（最小ノード数 1）", "自動でジョブを送信します（cron 0 2 * * *）",
                 "何も削除していません。これらを削除するには --yes を付けてもう一度実行してください。"):
        assert text in out, text
    assert "az ml online-endpoint delete --name ohml-team1-forecast" in out  # commands stay as they are

    result = cli("event", "teardown", "--team", "team1", "--yes", cwd=seeded, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "削除済み" in result.output and "無効化済み" in result.output and "完了 3 件、失敗 0 件。" in result.output
