"""The pack author's API in one import: `from ohcheck import criterion, fail, ...`, without making `import ohcheck` heavy."""

from __future__ import annotations

import subprocess
import sys

import ohcheck

# What `import ohcheck` alone (and so `ohcheck --help`) must not pull in: the API's own
# modules are imported on first use of a name (PEP 562), the runner only by verify.
HEAVY_OHCHECK = {"ohcheck.criteria", "ohcheck.context", "ohcheck.runner", "ohcheck.targets", "ohcheck.verify",
                 "ohcheck.i18n", "ohcheck.config"}


def test_every_name_in_all_resolves_to_what_its_module_defines():
    from ohcheck import criteria, i18n

    assert {"criterion", "fail", "skip", "undecided", "passed", "msg", "comma_list", "Context"} <= set(ohcheck.__all__)
    for name in ohcheck.__all__:
        assert getattr(ohcheck, name) is not None, name
    assert ohcheck.fail is criteria.fail and ohcheck.msg is i18n.msg
    assert set(ohcheck.__all__) <= set(dir(ohcheck))


def test_an_unknown_name_is_an_attribute_error_and_submodules_still_import():
    try:
        ohcheck.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("ohcheck.no_such_name resolved")
    from ohcheck import children  # a submodule, not an API name

    assert children.__name__ == "ohcheck.children"


def test_import_ohcheck_alone_imports_nothing_heavy():
    code = "import sys\nimport ohcheck\nprint('\\n'.join(sys.modules))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert not loaded & HEAVY_OHCHECK, sorted(loaded & HEAVY_OHCHECK)
    assert not {m.split(".")[0] for m in loaded} & {"yaml", "rich", "typer", "tenacity", "azure", "mlflow"}


def test_the_api_names_import_in_one_statement_in_a_fresh_process():
    code = ("from ohcheck import criterion, fail, skip, undecided, passed, msg, comma_list, Context\n"
            "import ohcheck\n"
            "assert 'ohcheck.runner' not in __import__('sys').modules\n"
            "print(fail.__module__, msg.__module__, Context.__module__)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # msg is ohcheck.messages' (i18n re-exports it: the layer below, so YAML reading can say things too)
    assert done.stdout.split() == ["ohcheck.criteria", "ohcheck.messages", "ohcheck.context"]
