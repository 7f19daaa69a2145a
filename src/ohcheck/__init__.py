"""ohcheck: an OpenHack challenge-and-coach framework.

Teams verify their work against a challenge's success criteria, coaches review
teams, facilitators prepare events. The hack it ships is OpenHack for MLOps on
Azure Machine Learning.
"""

__version__ = "0.1.0"
