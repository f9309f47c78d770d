"""Networks (equinox modules) and adapters for flax models. Imports nothing from pinnjax."""

from .flax_adapter import from_flax_linen, from_flax_nnx
from .networks import (
           ACTIVATIONS,
           INITIALIZERS,
           MLP,
           Embedded,
           FactorizedLinear,
           FourierFeatures,
           ModifiedMLP,
           PeriodicEmbedding,
           PirateNet,
           factorize,
           fourier_mlp,
)

__all__ = ["ACTIVATIONS", "INITIALIZERS", "MLP", "Embedded", "FactorizedLinear", "FourierFeatures", "ModifiedMLP", "PeriodicEmbedding", "PirateNet",
           "factorize", "fourier_mlp", "from_flax_linen", "from_flax_nnx"]
