"""The checks of OpenHack for MLOps: checks/challenge_NN.py holds one function per success criterion.

Helpers shared by several challenges live beside them (modules starting with
an underscore) and are imported relatively: `from ._forecasting import ...`.
"""
