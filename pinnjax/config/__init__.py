"""The YAML layer: a config file builds the same objects as the Python API.

>>> from pinnjax.config import load_discovery, load_experiment
>>> exp = load_experiment("configs/burgers.yaml")            # doctest: +SKIP
>>> disc = load_discovery("configs/discovery/kdv.yaml")      # doctest: +SKIP
"""

from .build import Experiment, build_experiment, load_experiment
from .discovery import DiscoveryExperiment, build_discovery, load_discovery
from .errors import ConfigError
from .loader import apply_override, load_config
from .registry import describe_components

__all__ = ["ConfigError", "DiscoveryExperiment", "Experiment", "apply_override", "build_discovery",
           "build_experiment", "describe_components", "load_config", "load_discovery", "load_experiment"]
