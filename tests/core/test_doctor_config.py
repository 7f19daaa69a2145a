"""`ohcheck doctor` reads ohcheck.yaml once: for the language it speaks and for its findings alike."""

from __future__ import annotations

import subprocess


def test_doctor_reads_ohcheck_yaml_once(cli, tmp_path, monkeypatch):
    import ohcheck.config

    subprocess.run(["git", "init", "--quiet"], cwd=tmp_path, check=True)
    made = cli("init", "--team", "Contoso", "--lang", "ja", cwd=tmp_path)
    assert made.exit_code == 0, made.output
    read = []
    parse = ohcheck.config.parse_config
    monkeypatch.setattr(ohcheck.config, "parse_config", lambda text, **kw: read.append(kw) or parse(text, **kw))
    result = cli("doctor", cwd=tmp_path, env={"OHCHECK_LANG": "", "LANG": "C.UTF-8", "LC_ALL": ""})
    assert result.exit_code == 1, result.output  # no workspace named: a problem
    assert len(read) == 1, read
    assert "チーム" in result.stdout or "ワークスペース" in result.stdout  # the repo's language: ja
