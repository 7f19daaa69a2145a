"""`ohcheck serve`: the local target's online endpoint.

It serves the team's scoring script (`paths.score_script`) with Azure ML's own
local inference server, azmlinfsrv, at `local.scoring_url`, loading the latest
registered version of the model from the local MLflow registry (or a folder
given with --model-dir). As on Azure ML, the script's folder is the app root
(so score.py can import its neighbours) and AZUREML_MODEL_DIR points at the
model's files.

In the foreground it stops on Ctrl-C (or SIGTERM); `--detach` leaves it
running in the background until `--stop`. Either way it is recorded in
`.ohcheck/serve.json`, so `ohcheck serve --stop` can stop it from anywhere.

It listens on the scoring URL's loopback address only (127.0.0.1): a team's
score.py is not for everyone on the event's network. What holds the port when
no server of the repo runs is found and named (`port_holder`): what is left of
this repo's server after its master died (`--stop` ends it), or anything else.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ohcheck.config import Config
from ohcheck.criteria import utc_now
from ohcheck.errors import UserError
from ohcheck.i18n import Msg, msg
from ohcheck.local.serve_record import (
    OWNER_ENV,
    Holder,
    Served,
    health_url,
    is_alive,
    port_holder,
    port_of,
    running,
    state_path,
)
from ohcheck.stop_signals import stopping_signals
from ohcheck.store import STORE_DIR

LOG_NAME = "serve.log"
READY_TIMEOUT = 90.0  # score.py's init() may load a large model
STOP_GRACE = 10.0


@dataclass(frozen=True)
class Stopped:
    """What `stop` ended, and what still holds the port that is not this repo's to end."""

    served: Served | None
    leftovers: tuple[int, ...]  # processes of this repo's server that outlived its master (pids)
    other: Holder | None


def start(
    config: Config,
    repo_root: Path,
    *,
    model_dir: Path | None = None,
    version: str | None = None,
    detach: bool = False,
    replace: bool = False,
    on_ready: Callable[[Served], None] | None = None,
    on_replaced: Callable[[Served], None] | None = None,
) -> Served:
    """Start azmlinfsrv; in the foreground, return when it stops.

    With `replace`, a server already running keeps serving until the new one has answered once on a
    port of its own (score.py imported, init() run, the model loaded): a redeploy that cannot start
    leaves the working endpoint as it was. Only then is the old one stopped (`on_replaced`) and the new
    one started on the scoring URL's port. Two servers cannot listen on that one port at once (with
    SO_REUSEPORT the kernel would split requests between them, and nothing could ask the new one alone
    whether it works), so the endpoint is down only while the proven server starts again.
    """
    existing = running(repo_root)
    if existing and not replace:
        raise UserError(
            msg("A server is already running for this repo (pid {pid}, {url}).", pid=existing.pid, url=existing.url),
            hint=msg("Stop it with `ohcheck serve --stop`."),
        )
    url = config.local.scoring_url
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "0.0.0.0", "::1"):
        raise UserError(msg("local.scoring_url {url} is not on this machine; ohcheck serve serves on 127.0.0.1.",
                            url=url))
    port = port_of(url)
    if not existing:
        _refuse_a_taken_port(repo_root, port, url)
    script = (repo_root / config.paths.score_script).resolve()
    if not script.is_file():
        raise UserError(msg("{script} does not exist: there is no scoring script to serve.",
                            script=config.paths.score_script))
    model_path, label = _model(config, repo_root, model_dir, version)
    host = _bind_host(parts.hostname)

    def command(on_port: int) -> list[str]:
        return _azmlinfsrv(host) + ["--entry_script", script.name, "--model_dir", str(model_path),
                                    "--port", str(on_port)]

    log_path = repo_root / STORE_DIR / LOG_NAME
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "AZUREML_MODEL_DIR": str(model_path), OWNER_ENV: str(repo_root.resolve())}
    if existing:
        with stopping_signals():
            _try_first(command, script, env, log_path, host, existing)
        stop(repo_root, port)
        if on_replaced:
            on_replaced(existing)
        _refuse_a_taken_port(repo_root, port, url)  # something took it while the old one stopped
    child = _launch(command(port), script, env, log_path)
    served = Served(pid=child.pid, url=url, model=label, model_dir=str(model_path), started=utc_now())
    # Recorded at once, in both modes: `ohcheck serve --stop` can always find what to stop.
    state_path(repo_root).write_text(json.dumps(asdict(served), indent=2), encoding="utf-8")
    if detach:
        try:
            _wait_until_ready(child, health_url(url), log_path)
            _check_address(child.pid, port)
        except BaseException:
            _stop(repo_root, child.pid)
            raise
        if on_ready:
            on_ready(served)
        return served
    with stopping_signals():
        try:
            _wait_until_ready(child, health_url(url), log_path)
            _check_address(child.pid, port)
            if on_ready:
                on_ready(served)
            child.wait()
        except KeyboardInterrupt:
            pass  # Ctrl-C (or SIGTERM, SIGHUP) is how a server in the foreground stops, whenever it comes
        finally:
            _stop(repo_root, child.pid)
    return served


def _launch(command: list[str], script: Path, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        # A session of its own: stopping it stops gunicorn's workers too.
        return subprocess.Popen(
            command, cwd=script.parent, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def _try_first(command: Callable[[int], list[str]], script: Path, env: dict[str, str], log_path: Path, host: str,
               existing: Served) -> None:
    """The new server, on a free port while the old one serves, until it answers; never left running."""
    trial_port = _free_port(host.strip("[]"))
    child = _launch(command(trial_port), script, env, log_path)
    try:
        _wait_until_ready(child, f"http://{host}:{trial_port}/", log_path)
    except UserError as exc:
        kept = msg("The server already running keeps serving {model} at {url} (pid {pid}).", model=existing.model,
                   url=existing.url, pid=existing.pid)
        raise UserError(exc.message, hint=msg("{kept} {hint}", kept=kept, hint=exc.hint) if exc.hint else kept) \
            from None
    finally:
        _terminate(child.pid)


def _refuse_a_taken_port(repo_root: Path, port: int, url: str) -> None:
    # What listens is looked up, not connected to first: a worker whose master is gone would answer, then end.
    holder = port_holder(repo_root, port)
    if holder is None:
        return
    if holder.ours:
        hint = msg("What is left of this repo's server (pid {pid}) holds it: `ohcheck serve --stop` ends it.",
                   pid=holder.pid)
    elif holder.pid is not None:
        hint = msg("{holder} holds it: stop it, or choose another port in local.scoring_url (ohcheck.yaml).",
                   holder=holder.said())
    else:
        hint = msg("Stop what uses it, or choose another port in local.scoring_url (ohcheck.yaml).")
    raise UserError(msg("Port {port} is already in use, so nothing can serve {url}.", port=port, url=url), hint=hint)


def _stop(repo_root: Path, pid: int) -> None:
    _terminate(pid)
    state_path(repo_root).unlink(missing_ok=True)


def stop(repo_root: Path, port: int | None = None) -> Stopped:
    """Stop this repo's server, and whatever of it outlived its master; say what else holds `port`."""
    served = running(repo_root)
    state_path(repo_root).unlink(missing_ok=True)
    if served is not None:
        _terminate(served.pid)
    leftovers = _end(_our_processes(repo_root))
    holder = port_holder(repo_root, port) if port else None
    return Stopped(served, leftovers, holder if holder is not None and not holder.ours else None)


def _our_processes(repo_root: Path) -> list[Any]:
    """Every live process marked as this repo's server's (leftover workers whose master is gone)."""
    import psutil

    found = []
    # Never this command nor what started it (a deploy step run by score.py's own server, say).
    mine = {os.getpid(), *(p.pid for p in psutil.Process().parents())}
    for process in psutil.process_iter():
        if process.pid in mine:
            continue
        with contextlib.suppress(psutil.Error):
            if process.environ().get(OWNER_ENV) == str(repo_root.resolve()):
                found.append(process)
    return found


def _end(processes: list[Any]) -> tuple[int, ...]:
    """SIGTERM each, SIGKILL what is left after the grace period; their pids."""
    import psutil

    ended = []
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.terminate()
            ended.append(process.pid)
    _, alive = psutil.wait_procs(processes, timeout=STOP_GRACE)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    return tuple(ended)


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _model(config: Config, repo_root: Path, model_dir: Path | None, version: str | None = None) -> tuple[Path, str]:
    """The folder to serve: the one given, or a registered version (the latest by default), downloaded."""
    if model_dir is not None:
        folder = (repo_root / model_dir).resolve() if not model_dir.is_absolute() else model_dir
        if not folder.is_dir():
            raise UserError(msg("--model-dir {folder} is not a folder.", folder=model_dir))
        return folder, str(model_dir)
    from ohcheck.targets.local import LocalTarget

    target = LocalTarget(config, repo_root)
    versions = target.models(config.model)
    if not versions:
        raise UserError(
            msg("There is no registered version of {model!r} in the local registry ({uri}).", model=config.model,
                uri=config.local.tracking_uri),
            hint=msg("Register one (challenge 03), or serve a folder with --model-dir outputs."),
        )
    latest = versions[0]
    if version is not None:
        latest = next((v for v in versions if v.version == str(version)), None)
        if latest is None:
            raise UserError(
                msg("{model!r} has no version {version} in the local registry (its versions: {versions}).",
                    model=config.model, version=version, versions=[v.version for v in versions])
            )
    # The rule 03.1 judges by: a version whose source holds no file holds no model to serve.
    from ohcheck.targets.base import TargetError

    try:
        contents = target.model_contents(latest)
    except TargetError as exc:
        raise UserError(exc.args[0]) from None
    if contents.holds_model is False:
        raise UserError(
            msg("{model} version {version} holds no model: {found}.", model=config.model, version=latest.version,
                found=contents.found),
            hint=msg("Register the version from the training run's `model` artifact (challenge 03), or serve a "
                     "folder with --model-dir outputs/model."),
        )
    dest = repo_root / STORE_DIR / "serve" / config.model / latest.version
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    import mlflow.artifacts  # imported lazily: slow to import

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # noise on the team's terminal

    try:
        # The version's source (a run's `model` artifact, a folder) holds its files.
        mlflow.artifacts.download_artifacts(
            artifact_uri=latest.source, dst_path=str(dest), tracking_uri=target.tracking_uri
        )
    except Exception as exc:  # noqa: BLE001 - any MLflow problem is one sentence
        raise UserError(msg("Could not fetch {model} version {version} from the local registry: {reason}",
                            model=config.model, version=latest.version, reason=str(exc))) from None
    return dest, f"{config.model}:{latest.version}"


# azmlinfsrv exactly as its own command runs it, but on one address. Its run() hands gunicorn (waitress on
# Windows) `amlserver.DEFAULT_HOST`, which is 0.0.0.0 — every interface, right in a container, wrong on a
# laptop on the event's Wi-Fi — and neither its options nor an environment variable set the host; gunicorn's
# own configuration (GUNICORN_CMD_ARGS, a config file) cannot either, since the `-b` azmlinfsrv passes on
# the command line wins over both. So the launcher sets that one name, then calls the library's run(): the
# options, the environment it derives and the server it starts stay azmlinfsrv's. `_check_address` proves it
# took (a later version might bind otherwise).
_LAUNCH = ("import sys; from azureml_inference_server_http import amlserver; "
           "amlserver.DEFAULT_HOST = sys.argv.pop(1); amlserver.run()")


def _azmlinfsrv(host: str) -> list[str]:
    """The command that starts azmlinfsrv bound to `host` only, with this Python (ohcheck's dependency)."""
    import importlib.util

    if importlib.util.find_spec("azureml_inference_server_http") is None:
        raise UserError(
            msg("azmlinfsrv (Azure ML's local inference server) is not installed here."),
            hint="pip install azureml-inference-server-http",
        )
    return [sys.executable, "-c", _LAUNCH, host]


def _bind_host(hostname: str | None) -> str:
    """The loopback address the scoring URL names (127.0.0.1 for `localhost` and `0.0.0.0` too)."""
    if hostname == "::1":
        return "::1" if sys.platform == "win32" else "[::1]"  # gunicorn takes `[::1]:port`, waitress `::1`
    return "127.0.0.1"


def _wait_until_ready(child: subprocess.Popen, url: str, log_path: Path) -> None:
    import requests

    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise UserError(
                msg("The inference server stopped while starting: {why}", why=_why(log_path)),
                hint=msg("The whole log is in {log}.", log=log_path),
            )
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise UserError(msg("The inference server did not answer at {url} within {limit:g} s; see {log}.", url=url,
                        limit=READY_TIMEOUT, log=log_path))


_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit)):\s?(.*)$")
_FRAME_LINE = re.compile(r'^File "(?P<file>[^"]+)", line (?P<line>\d+)')


def _why(log_path: Path) -> str | Msg:
    """The most telling line of azmlinfsrv's log: the team's exception and its line, if there is one."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-300:]
    except OSError:
        return msg("no log")
    found: str | Msg = ""
    frame: tuple[str, str] | None = None
    for raw in lines:
        line = raw.strip()
        match = _FRAME_LINE.match(line)
        if match and "azureml_inference_server_http" not in match.group("file"):
            frame = (Path(match.group("file")).name, match.group("line"))
            continue
        exception = _EXCEPTION_LINE.match(line)
        # The server wraps the team's exception in its own: report the team's.
        if exception and not exception.group(1).startswith("azureml_inference_server_http"):
            found = msg("{exception} ({file}, line {line})", exception=line[:300], file=frame[0], line=frame[1]) \
                if frame else line[:300]
    if found:
        return found
    tail = [line.strip() for line in lines if line.strip()]
    return tail[-1][:300] if tail else msg("no output")


def _check_address(pid: int, port: int) -> None:
    """Refuse a server that listens beyond this machine: a team's score.py is not for the whole room."""
    import psutil

    try:
        family = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        addresses = {c.laddr.ip for p in family for c in p.net_connections("inet")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
    except psutil.Error:
        return  # it is stopping (the caller finds out) or we may not look: nothing to refuse
    wide = sorted(a for a in addresses if not ipaddress.ip_address(a).is_loopback)
    if wide:
        raise UserError(msg("The inference server listened on {address}, not on this machine only, so ohcheck "
                            "stopped it.", address=f"{wide[0]}:{port}"))


def _terminate(pid: int) -> None:
    """SIGTERM the server's process group, then SIGKILL what is left after a grace period."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + STOP_GRACE
    while time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        if not is_alive(pid):
            return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
