"""fwbench: identical small models, nine deep-learning frameworks, honest CPU numbers."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
__version__ = "0.1.0"
