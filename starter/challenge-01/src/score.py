"""Azure ML scoring script for the Adventure Works forecast.

The contract (the same since the original hack):

    request:  {"data": [n]}
    reply:    {"result": [n forecasts]}   the n days after the training data
              {"error": "..."}            when the request is not usable

Azure ML (and its local inference server, azmlinfsrv) calls init() once, with
AZUREML_MODEL_DIR pointing at the folder that holds your model folder, then
run(raw_request) for every request.
"""

import json
import os
import pickle
from pathlib import Path

model = None


def init():
    global model
    root = Path(os.environ.get("AZUREML_MODEL_DIR", "outputs"))
    found = sorted(root.rglob("model.pkl"))
    if not found:
        raise FileNotFoundError(f"no model.pkl under {root}: run python src/train.py first")
    with open(found[0], "rb") as handle:
        model = pickle.load(handle)


def run(raw_data):
    try:
        n = json.loads(raw_data)["data"][0]
        if not isinstance(n, int) or not 1 <= n <= 366:
            raise ValueError("data[0] must be a number of days between 1 and 366")
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        return {"error": f"expected {{\"data\": [n]}}: {exc}"}
    # TODO (challenge 01): forecast the n days after the training data with your
    # model and return them as plain floats: {"result": [...]}
    return {"error": "not implemented yet: make run() return the model's forecasts"}
