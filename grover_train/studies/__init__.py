"""Studies: one module per experiment, each ending in ``STUDY = Study(...)``.

:data:`STUDIES` names them in report order: ``reproduce`` runs them in that order and the
report lays their sections out in it (:mod:`grover_train.reporting`). Adding a study is one
module and one line here (docs/design.md, "Add a study"). A study that brings a new kind of
run (a runner ``spec -> RunOutput`` for the sweep executor) also names it in :data:`KINDS`.

>>> [s.name for s in all_studies()][:3]
['replay', 'search-level', 'capped-training']
"""

from __future__ import annotations

import importlib

from grover_train.errors import UnknownNameError
from grover_train.studies.base import Study

#: study name -> "module:STUDY", in report order
STUDIES = {
    "replay": "grover_train.studies.replay_study:STUDY",
    "search-level": "grover_train.studies.search_level:STUDY",
    "capped-training": "grover_train.studies.capped_training:STUDY",
    "anneal-vs-backprop": "grover_train.studies.anneal_vs_backprop:STUDY",
    "hardware": "grover_train.studies.hardware:STUDY",
    "deep-comparison": "grover_train.studies.deep_comparison:STUDY",
    "coherent-training": "grover_train.studies.coherent_training:STUDY",
}

#: sweep kind -> "module:function" runner (spec -> RunOutput) the studies add to ``train``
KINDS = {
    "search": "grover_train.studies.search_level:run_search_spec",
    "replay": "grover_train.studies.replay:run_replay_spec",
    "noise": "grover_train.studies.noise_study:run_noise_spec",
}


def _load(target: str):
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def get_study(name: str) -> Study:
    """The registered study of that name.

    >>> get_study("search-level").title[:7]
    'queries'
    >>> get_study("nope")
    Traceback (most recent call last):
    ...
    grover_train.errors.UnknownNameError: unknown study 'nope': use one of replay, ...
    """
    if name not in STUDIES:
        raise UnknownNameError(f"unknown study {name!r}: use one of {', '.join(STUDIES)}")
    study: Study = _load(STUDIES[name])
    return study


def all_studies() -> list[Study]:
    """Every registered study, in report order."""
    return [get_study(name) for name in STUDIES]


def kind_runner(kind: str):
    """The runner of a study-added sweep kind (a name of :data:`KINDS`)."""
    return _load(KINDS[kind])


__all__ = ["KINDS", "STUDIES", "Study", "all_studies", "get_study", "kind_runner"]
